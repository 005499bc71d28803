from django.urls import path, re_path

from . import views

app_name = "social"
urlpatterns = [
    re_path(r"^u/(?P<username>[^/]{1,60})/follow/$", views.follow, name="follow"),
    re_path(r"^u/(?P<username>[^/]{1,60})/followers/$", views.followers, name="followers"),
    re_path(r"^u/(?P<username>[^/]{1,60})/following/$", views.following, name="following"),
    path("follow-requests/<id:follower_id>/", views.follow_request, name="follow_request"),
    path("settings/following/", views.settings_following, name="settings"),
]
