from django.apps import AppConfig


class GptprofileConfig(AppConfig):
    name = "gptprofile"
