from django.urls import path

from . import views, views_import

app_name = "organizations"
urlpatterns = [
    path("members/", views.member_list, name="member_list"),
    path("members/<id:pk>/", views.member_detail, name="member_detail"),
    path("members/import/", views_import.member_import, name="member_import"),
    path(
        "members/import/template.xlsx",
        views_import.member_import_template,
        name="member_import_template",
    ),
]
