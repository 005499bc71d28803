from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self):
        from django.urls import register_converter

        from . import schema  # noqa: F401 - registers the OpenAPI auth extensions
        from .converters import IdConverter

        register_converter(IdConverter, "id")
