from django.urls import path

from organizations.views_settings import moved_to_committee_settings

from . import views, views_cases, views_checks, views_public

app_name = "oversight"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("settings/", moved_to_committee_settings, name="policy"),
    path("branch/<str:code>/<int:year>/", views.branch, name="branch"),
    path("report/", views.report_index, name="report_index"),
    path("report/<str:code>/<int:year>/", views.report, name="report"),
    path("report/<str:code>/<int:year>/print/", views.report_print, name="report_print"),
    path("report/<str:code>/<int:year>/xlsx/", views.report_xlsx, name="report_xlsx"),
    path("checks/", views_checks.checks, name="checks"),
    path("checks/draw/", views_checks.check_draw, name="check_draw"),
    path("checks/<id:pk>/", views_checks.check_detail, name="check_detail"),
    path("checks/item/<id:pk>/record/", views_checks.item_record, name="item_record"),
    path("checks/item/<id:pk>/close/", views_checks.item_close, name="item_close"),
    path("responses/", views_checks.responses, name="responses"),
    path("responses/<id:pk>/", views_checks.response, name="response"),
    path("cases/", views_cases.cases, name="cases"),
    path("cases/feature/", views_cases.case_candidates, name="case_candidates"),
    path("cases/feature/<id:line_pk>/", views_cases.case_new, name="case_new"),
    path("cases/<id:pk>/", views_cases.case_detail, name="case_detail"),
    path("cases/<id:pk>/photo/<id:file_pk>/", views_cases.case_photo, name="case_photo"),
    path("cases/<id:pk>/consent/", views_cases.case_consent, name="case_consent"),
    path("cases/<id:pk>/publish/", views_cases.case_publish, name="case_publish"),
    path("cases/<id:pk>/withdraw/", views_cases.case_withdraw, name="case_withdraw"),
    # 典型案例 on the public pages: no sign-in, published cases only.
    path("public/cases/", views_public.cases, name="public_cases"),
    path(
        "public/cases/<id:pk>/photo/<id:file_pk>/",
        views_public.case_photo,
        name="public_case_photo",
    ),
    path("models/new/", views_cases.unit_create, name="unit_create"),
    path("models/<id:pk>/withdraw/", views_cases.unit_withdraw, name="unit_withdraw"),
]
