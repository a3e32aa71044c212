from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from django.urls import register_converter

        from .ids import IdConverter

        # `<id:pk>` in every app's urls.py: ids that fit the database, else 404 (core.ids).
        register_converter(IdConverter, "id")
