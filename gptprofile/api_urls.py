from django.urls import path

from . import api_views

app_name = "gptprofile-api"
urlpatterns = [
    path("gpt/profile/init", api_views.ProfileEditInitView.as_view(), name="init"),
    path("gpt/profile/load", api_views.ProfileEditLoadView.as_view(), name="load"),
    path("gpt/profile/save", api_views.ProfileEditSaveView.as_view(), name="save"),
    path("gpt/openapi.json", api_views.ChatGptActionSchemaView.as_view(), name="openapi"),
]
