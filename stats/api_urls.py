from django.urls import path

from . import api_views

urlpatterns = [
    path("user/<id:pk>/stats", api_views.UserStats.as_view(), name="api-user-stats"),
    path("user/<id:pk>/year/<yyyy:yyyy>", api_views.UserYear.as_view(), name="api-user-year"),
]
