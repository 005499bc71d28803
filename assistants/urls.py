from django.urls import path

from . import views

app_name = "assistants"
urlpatterns = [
    path("settings/assistants/", views.connections, name="connections"),
    path("settings/assistants/<int:pk>/disconnect/", views.disconnect, name="disconnect"),
]
