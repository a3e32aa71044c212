from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The top of the layers: the home page, the menu and what every page's layout reads."""

    name = "portal"
