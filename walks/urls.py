from django.urls import path

from . import views

app_name = "walks"
urlpatterns = [
    path("u/<int:pk>/", views.profile, name="profile"),
    path("titles/<int:pk>/walk/", views.title_walk, name="title_walk"),
]
