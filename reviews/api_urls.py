from django.urls import path

from . import api_views

urlpatterns = [
    path("reviews", api_views.ReviewCreate.as_view(), name="api-reviews"),
    path("reviews/<id:pk>", api_views.ReviewDetail.as_view(), name="api-review"),
    path("user/<id:pk>/reviews", api_views.UserReviews.as_view(), name="api-user-reviews"),
    path("user/@me/reviews", api_views.MyReviews.as_view(), name="api-my-reviews"),
    path("titles/<id:pk>/reviews", api_views.TitleReviews.as_view(), name="api-title-reviews"),
]
