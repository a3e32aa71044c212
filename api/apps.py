from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API (/api/v1/): the top layer; it calls the same services, selectors and
    permission helpers as the pages, and nothing below imports it."""

    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from . import schema  # noqa: F401 - registers the OpenAPI descriptions of signing in
