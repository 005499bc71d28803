from django.urls import path

from . import provider_views, views

app_name = "catalog"
urlpatterns = [
    path("titles/", views.titles, name="titles"),
    path("titles/new/", views.title_create, name="title_create"),
    path("titles/<id:pk>/", views.title_detail, name="title"),
    path("titles/<id:pk>/edit/", views.title_edit, name="title_edit"),
    path("titles/<id:pk>/cover/", views.title_cover, name="title_cover"),
    path("titles/<id:pk>/delete/", views.title_delete, name="title_delete"),
    path("titles/from-provider/", provider_views.title_add_from_provider, name="title_add_from_provider"),
    path("titles/<id:pk>/provider/", provider_views.title_provider, name="title_provider"),
    path("covers/<str:type>.svg", views.cover_placeholder, name="cover_placeholder"),
    path("covers/<str:type>/<str:size>.png", views.cover_placeholder_png, name="cover_placeholder_png"),
]
