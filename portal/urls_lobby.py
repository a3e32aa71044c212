"""The lobby display's addresses, under /publicity/ and the `publicity` names (config/urls.py):
screens already set up keep working."""

from django.urls import path

from . import views_lobby

urlpatterns = [
    path("lobby/<str:token>/", views_lobby.lobby, name="lobby"),
    path("lobby/<str:token>/data/", views_lobby.lobby_data, name="lobby_data"),
]
