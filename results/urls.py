from django.urls import path

from . import views, views_vanguard

app_name = "results"
urlpatterns = [
    path("", views.index, name="index"),
    path("committee/<int:year>/", views.committee, name="committee"),
    path("branch/<str:code>/<int:year>/", views.branch, name="branch"),
    path("branch/<str:code>/<int:year>/awards/print/", views.awards_print, name="awards_print"),
    path(
        "branch/<str:code>/<int:year>/talks/<id:member_pk>/new/",
        views.talk_new,
        name="talk_new",
    ),
    path(
        "branch/<str:code>/<int:year>/handling/<id:member_pk>/propose/",
        views.propose,
        name="propose",
    ),
    path("branch/<str:code>/<int:year>/vanguard/", views_vanguard.vanguard, name="vanguard"),
    path(
        "branch/<str:code>/<int:year>/vanguard/<id:member_pk>/propose/",
        views_vanguard.vanguard_propose,
        name="vanguard_propose",
    ),
    path(
        "committee/<int:year>/vanguard/",
        views_vanguard.vanguard_committee,
        name="vanguard_committee",
    ),
    path("vanguard/<id:pk>/decide/", views_vanguard.vanguard_decide, name="vanguard_decide"),
    path("case/<id:pk>/", views.case, name="case"),
    path("case/<id:pk>/consent/", views.consent_scan, name="consent_scan"),
]
