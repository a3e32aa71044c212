from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self) -> None:
        from django.urls import register_converter

        from .ids import IdConverter
        from .periods import HalfConverter

        # `<id:pk>` in every app's urls.py: ids that fit the database, else 404 (core.ids).
        register_converter(IdConverter, "id")
        # `<half:half>`: 1 or 2, the half-year.
        register_converter(HalfConverter, "half")
