from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "linking"
