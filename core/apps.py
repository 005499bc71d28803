from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"

    def ready(self):
        from django.urls import register_converter

        from . import checks, schema  # noqa: F401 - register the system checks and the OpenAPI auth extensions
        from .converters import IdConverter, YearConverter

        register_converter(IdConverter, "id")
        register_converter(YearConverter, "yyyy")
