from django.urls import path

from . import views

app_name = "walks"
urlpatterns = [
    path("u/<str:username>/", views.profile, name="profile"),
    path("titles/<id:pk>/walk/", views.title_walk, name="title_walk"),
    path("titles/<id:pk>/watchlist/", views.title_watchlist, name="title_watchlist"),
]
