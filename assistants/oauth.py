"""django-oauth-toolkit wiring: the validator and the resource rules (RFC 8707)."""

from __future__ import annotations

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator


def mcp_resource() -> str:
    return settings.MCP_RESOURCE.rstrip("/")


def is_our_resource(value: str | None) -> bool:
    """The MCP endpoint, spelled with or without a trailing slash."""
    return isinstance(value, str) and value.rstrip("/") == mcp_resource()


class WalksOAuth2Validator(OAuth2Validator):
    def save_bearer_token(self, token, request, *args, **kwargs):
        super().save_bearer_token(token, request, *args, **kwargs)
        # RFC 8707: say which resource the token is for (the one it was bound to
        # at the authorization step; the views refuse any other).
        resources = getattr(request, "resource", None) or []
        if resources:
            token["resource"] = resources[0] if len(resources) == 1 else resources
