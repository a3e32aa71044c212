from django.urls import path

from . import views, views_branch, views_import, views_settings, views_tree

app_name = "organizations"
urlpatterns = [
    path("members/", views.member_list, name="member_list"),
    path("members/<id:pk>/", views.member_detail, name="member_detail"),
    path("members/<id:pk>/edit/", views_tree.member_edit, name="member_edit"),
    path("members/import/", views_import.member_import, name="member_import"),
    path(
        "members/import/template.xlsx",
        views_import.member_import_template,
        name="member_import_template",
    ),
    path("members/export.xlsx", views_tree.members_export, name="members_export"),
    path("tree/", views_tree.org_tree, name="org_tree"),
    path("tree/new/", views_tree.org_create, name="org_create"),
    path("tree/export.csv", views_tree.org_export, name="org_export"),
    path("departments/new/", views_tree.department_create, name="department_create"),
    path("departments/<id:pk>/", views_tree.department_edit, name="department_edit"),
    path("departments/<id:pk>/close/", views_tree.department_close, name="department_close"),
    path("roles/<id:pk>/end/", views_branch.role_end_view, name="role_end"),
    path("o/<str:code>/", views_branch.org_detail, name="org_detail"),
    path("o/<str:code>/settings/", views_settings.branch_settings_edit, name="branch_settings"),
    path("committee/settings/", views_settings.committee_settings_edit, name="committee_settings"),
    path("o/<str:code>/edit/", views_tree.org_edit, name="org_edit"),
    path("o/<str:code>/close/", views_tree.org_close, name="org_close"),
    path("o/<str:code>/members/new/", views_tree.member_new, name="member_new"),
    path("o/<str:code>/roles/new/", views_branch.role_grant_view, name="role_grant"),
    path("o/<str:code>/trainings/new/", views_branch.training_new, name="training_new"),
    path(
        "o/<str:code>/representatives/new/",
        views_branch.representative_edit,
        name="representative_new",
    ),
    path(
        "o/<str:code>/representatives/<id:pk>/",
        views_branch.representative_edit,
        name="representative_edit",
    ),
    path(
        "o/<str:code>/representatives/<id:pk>/retire/",
        views_branch.representative_retire,
        name="representative_retire",
    ),
]
