from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demonstration bureau (`manage.py demo`, `demo_logins`): dev and test settings only.

    It drives every part of the plan through its services, so it sits above them all and
    is never installed in production.
    """

    name = "demo"
