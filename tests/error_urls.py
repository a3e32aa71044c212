"""The site's URLs plus one page that fails, for the 500 page's test (tests/test_error_pages.py)."""

from django.urls import include, path


def boom(request):
    raise RuntimeError("secret detail of the failure")


urlpatterns = [path("boom/", boom), path("", include("config.urls"))]
