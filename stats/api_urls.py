from django.urls import path, re_path

from . import api_views

urlpatterns = [
    path("user/<id:pk>/stats", api_views.UserStats.as_view(), name="api-user-stats"),
    re_path(r"^user/(?P<pk>[0-9]{1,18})/year/(?P<yyyy>[0-9]{4})$", api_views.UserYear.as_view(), name="api-user-year"),
]
