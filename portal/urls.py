from django.urls import path

from . import views

# The home page kept its name from when it lived in core: `core:home` in every page and test.
app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
]
