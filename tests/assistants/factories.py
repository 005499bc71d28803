"""Clients and tokens as the OAuth flow leaves them."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken, set_token_value

from assistants.services import client_register


def register_client(*, name: str = "Test Assistant", redirect_uri: str = "https://assistant.example/callback"):
    application, _reply = client_register(
        metadata={"client_name": name, "redirect_uris": [redirect_uri]}, ip="10.0.0.1"
    )
    return application


def issue_token(
    *, user, application, scope: str = "walks:read walks:write", resource=None, expires_in: int = 3600, refresh=True
) -> tuple[AccessToken, str]:
    """An access token (and refresh token) stored as django-oauth-toolkit stores them: hashed."""
    raw = secrets.token_urlsafe(24)
    token = AccessToken(
        user=user,
        application=application,
        scope=scope,
        expires=timezone.now() + timedelta(seconds=expires_in),
        resource=[settings.MCP_RESOURCE] if resource is None else resource,
    )
    set_token_value(token, raw)
    token.save()
    if refresh:
        rt = RefreshToken(user=user, application=application, access_token=token, resource=token.resource)
        set_token_value(rt, secrets.token_urlsafe(24))
        rt.save()
    return token, raw
