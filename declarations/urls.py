from django.urls import path

from . import review_views, views

app_name = "declarations"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/evidence/<int:file_pk>/", views.evidence, name="evidence"),
    path("<int:pk>/form1/", views.form1, name="form1"),
    path("<int:pk>/form1.xlsx", views.form1_xlsx, name="form1_xlsx"),
    path("review/", review_views.queue, name="queue"),
    path("<int:pk>/review/", review_views.review, name="review"),
    path("<int:pk>/review/start/", review_views.review_start, name="review_start"),
    path("<int:pk>/review/return/", review_views.review_return, name="review_return"),
    path("branch/<str:code>/late/", review_views.late_open, name="late_open"),
    path("branch/<str:code>/deadline/", review_views.policy, name="policy"),
]
