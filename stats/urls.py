from django.urls import re_path

from . import views

app_name = "stats"
urlpatterns = [
    re_path(r"^u/(?P<username>[^/]{1,60})/stats/$", views.stats_page, name="stats"),
    re_path(r"^u/(?P<username>[^/]{1,60})/year/(?P<yyyy>[0-9]{4})/$", views.year_page, name="year"),
    re_path(r"^u/(?P<username>[^/]{1,60})/year/(?P<yyyy>[0-9]{4})/card\.png$", views.year_card, name="year_card"),
]
