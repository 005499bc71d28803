from django.urls import path

from . import api_views

urlpatterns = [
    path("walks", api_views.WalkCreate.as_view(), name="api-walks"),
    path("walks/<id:pk>", api_views.WalkDetail.as_view(), name="api-walk"),
    path("user/<id:pk>/walks", api_views.UserWalks.as_view(), name="api-user-walks"),
    path("user/@me/walks", api_views.MyWalks.as_view(), name="api-my-walks"),
    path("titles/<id:pk>/walks", api_views.TitleWalks.as_view(), name="api-title-walks"),
    path("watchlist", api_views.WatchlistAdd.as_view(), name="api-watchlist"),
    path("watchlist/<id:title_id>", api_views.WatchlistRemove.as_view(), name="api-watchlist-entry"),
    path("user/<id:pk>/watchlist", api_views.UserWatchlist.as_view(), name="api-user-watchlist"),
]
