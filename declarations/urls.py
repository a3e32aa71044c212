from django.urls import path

from organizations.views_settings import moved_to_branch_settings

from . import review_views, views

app_name = "declarations"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.create, name="create"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/edit/", views.edit, name="edit"),
    path("<id:pk>/submit/", views.submit, name="submit"),
    path("<id:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<id:pk>/evidence/<id:file_pk>/", views.evidence, name="evidence"),
    path("<id:pk>/form1/", views.form1, name="form1"),
    path("<id:pk>/form1.xlsx", views.form1_xlsx, name="form1_xlsx"),
    path("review/", review_views.queue, name="queue"),
    path("<id:pk>/review/", review_views.review, name="review"),
    path("<id:pk>/review/start/", review_views.review_start, name="review_start"),
    path("<id:pk>/review/return/", review_views.review_return, name="review_return"),
    path("branch/<str:code>/late/", review_views.late_open, name="late_open"),
    path("branch/<str:code>/deadline/", moved_to_branch_settings, name="policy"),
]
