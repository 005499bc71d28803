from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("titles/", views.titles, name="titles"),
    path("titles/new/", views.title_create, name="title_create"),
    path("titles/<id:pk>/", views.title_detail, name="title"),
    path("titles/<id:pk>/edit/", views.title_edit, name="title_edit"),
    path("titles/<id:pk>/cover/", views.title_cover, name="title_cover"),
    path("titles/<id:pk>/delete/", views.title_delete, name="title_delete"),
    path("covers/<str:type>.svg", views.cover_placeholder, name="cover_placeholder"),
]
