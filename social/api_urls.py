from django.urls import path

from . import api_views

urlpatterns = [
    path("user/@me/privacy", api_views.Privacy.as_view(), name="api-privacy"),
    path("user/@me/follow-requests", api_views.FollowRequests.as_view(), name="api-follow-requests"),
    path("user/@me/follow-requests/<id:pk>", api_views.FollowRequest.as_view(), name="api-follow-request"),
    path("user/<id:pk>/follow", api_views.Follow.as_view(), name="api-follow"),
    path("user/<id:pk>/block", api_views.Block.as_view(), name="api-block"),
    path("user/<id:pk>/followers", api_views.Followers.as_view(), name="api-followers"),
    path("user/<id:pk>/following", api_views.Following.as_view(), name="api-following"),
    path("feed", api_views.Feed.as_view(), name="api-feed"),
]
