from django.urls import path

from . import api_views

urlpatterns = [
    path("titles", api_views.TitleListCreate.as_view(), name="api-titles"),
    path("titles/<id:pk>", api_views.TitleDetail.as_view(), name="api-title"),
    path("titles/<id:pk>/cover", api_views.TitleCover.as_view(), name="api-title-cover"),
]
