from django.urls import path

from . import api

app_name = "gptprofile-api"
urlpatterns = [
    path("gpt/profile/init", api.ProfileEditInitView.as_view(), name="init"),
    path("gpt/profile/load", api.ProfileEditLoadView.as_view(), name="load"),
    path("gpt/profile/save", api.ProfileEditSaveView.as_view(), name="save"),
    path("gpt/openapi.json", api.ChatGptActionSchemaView.as_view(), name="openapi"),
]
