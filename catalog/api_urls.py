from django.urls import path

from . import api_views, provider_api_views

urlpatterns = [
    path("titles", api_views.TitleListCreate.as_view(), name="api-titles"),
    path("titles/<id:pk>", api_views.TitleDetail.as_view(), name="api-title"),
    path("titles/<id:pk>/cover", api_views.TitleCover.as_view(), name="api-title-cover"),
    path("titles/from-provider", provider_api_views.TitleFromProvider.as_view(), name="api-title-from-provider"),
    path("providers", provider_api_views.ProviderList.as_view(), name="api-providers"),
    path("providers/search", provider_api_views.ProviderSearch.as_view(), name="api-provider-search"),
]
