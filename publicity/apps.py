from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "publicity"
    verbose_name = _("Publicity")

    def ready(self) -> None:
        from . import blockers  # noqa: F401  (registers the objections that block closing)
