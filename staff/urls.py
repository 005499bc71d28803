from django.urls import path

from . import views

app_name = "staff"
urlpatterns = [
    path("activate/", views.activate, name="activate"),
]
