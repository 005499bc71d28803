from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("titles/<id:pk>/review/", views.review_save, name="save"),
    path("reviews/<id:pk>/delete/", views.review_delete, name="delete"),
]
