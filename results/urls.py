from django.urls import path

from . import views

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
    path("case/<id:pk>/", views.case, name="case"),
    path("case/<id:pk>/consent/", views.consent_scan, name="consent_scan"),
]
