"""The OAuth 2.1 endpoints, under django-oauth-toolkit's own namespace (its
views reverse ``oauth2_provider:...``). Only what an MCP client needs:
no implicit, password, device or application-management views."""

from django.urls import path
from oauth2_provider import views as dot

from . import views

app_name = "oauth2_provider"
urlpatterns = [
    path(".well-known/oauth-authorization-server", views.AuthServerMetadata.as_view(), name="oauth-server-metadata"),
    path(
        ".well-known/oauth-protected-resource",
        dot.OAuthProtectedResourceMetadataView.as_view(),
        name="oauth-resource-metadata",
    ),
    # RFC 9728 §3.1: the document of the resource https://host/mcp is also at this path.
    path(
        ".well-known/oauth-protected-resource/mcp",
        dot.OAuthProtectedResourceMetadataView.as_view(),
        name="oauth-resource-metadata-mcp",
    ),
    path("oauth/authorize/", views.ConsentView.as_view(), name="authorize"),
    path("oauth/token/", dot.TokenView.as_view(), name="token"),
    path("oauth/revoke/", dot.RevokeTokenView.as_view(), name="revoke-token"),
    path("oauth/register/", views.register, name="register"),
]
