from django.urls import path

from . import views

app_name = "gptprofile"
urlpatterns = [
    path("profile/edit/", views.profile_edit, name="edit"),
    path("profile/edit/done/", views.profile_edit_done, name="done"),
    path("privacy/", views.privacy, name="privacy"),
]
