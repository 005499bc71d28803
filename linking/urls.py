from django.urls import path

from . import views

app_name = "linking"
urlpatterns = [
    path("link/", views.confirm, name="confirm"),
    path("link/switch/", views.switch, name="switch"),
    path("link/offers/<id:pk>/accept/", views.offer_accept, name="offer_accept"),
    path("link/offers/<id:pk>/decline/", views.offer_decline, name="offer_decline"),
    path("settings/linked-accounts/", views.settings_page, name="settings"),
    path("settings/linked-accounts/offer/", views.offer_create, name="offer_create"),
    path("settings/linked-accounts/offers/<id:pk>/withdraw/", views.offer_cancel, name="offer_cancel"),
    path("settings/linked-accounts/<id:pk>/unlink/", views.unlink, name="unlink"),
]
