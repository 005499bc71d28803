"""Writes of the assistants app: client registration (RFC 7591), disconnecting
an assistant, and the log of what assistants wrote through MCP."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken, clear_expired

from core import ratelimit
from core.errors import Invalid

from .models import McpWrite
from .scopes import SCOPE_LABELS

# Registration is open (RFC 7591, as MCP clients expect): bounded per address.
# A client registered but never authorised by anyone is deleted after this.
UNUSED_CLIENT_TTL = timedelta(days=1)
MAX_REDIRECT_URIS = 10
MAX_URI_LENGTH = 2000
MAX_NAME_LENGTH = 100
LOOPBACK_HOSTS = {"localhost"}


def _redirect_error(message: str) -> Invalid:
    return Invalid(message, code="invalid_redirect_uri")


def _metadata_error(message: str) -> Invalid:
    return Invalid(message, code="invalid_client_metadata")


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def clean_redirect_uri(value: Any) -> str:
    """An https URI, or http on the loopback interface (RFC 8252 §7.3); no
    fragment, no credentials, no wildcard."""
    if not isinstance(value, str) or not value or len(value) > MAX_URI_LENGTH:
        raise _redirect_error(_("Each redirect URI must be a URL of at most %(n)d characters.") % {"n": MAX_URI_LENGTH})
    if any(ch.isspace() or ord(ch) < 32 for ch in value) or "*" in value:
        raise _redirect_error(_("A redirect URI may not contain spaces, control characters or wildcards."))
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise _redirect_error(_("%(uri)s is not a valid URL.") % {"uri": value}) from None
    if parts.fragment or "#" in value:
        raise _redirect_error(_("A redirect URI may not have a fragment."))
    if parts.username or parts.password:
        raise _redirect_error(_("A redirect URI may not carry a user name or password."))
    if not host:
        raise _redirect_error(_("%(uri)s has no host.") % {"uri": value})
    if parts.scheme == "https":
        return value
    if parts.scheme == "http" and _is_loopback(host):
        return value
    raise _redirect_error(
        _("Redirect URIs must use https, or http on the loopback address (127.0.0.1, [::1] or localhost).")
    )


def _clean_name(value: Any, *, fallback: str) -> str:
    if value in (None, ""):
        return fallback
    if not isinstance(value, str):
        raise _metadata_error(_("client_name must be a string."))
    value = " ".join(value.split())
    if not value or any(ord(ch) < 32 for ch in value):
        return fallback
    return value[:MAX_NAME_LENGTH]


def _clean_list(data: dict, key: str, allowed: set[str], default: list[str]) -> list[str]:
    value = data.get(key, default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _metadata_error(_("%(key)s must be an array of strings.") % {"key": key})
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _metadata_error(
            _("Unsupported %(key)s: %(values)s. Supported: %(allowed)s.")
            % {"key": key, "values": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
        )
    return value


@transaction.atomic
def client_register(*, metadata: Any, ip: str) -> tuple[Application, dict[str, Any]]:
    """Register a public client (no secret: PKCE protects its codes) with its
    redirect URIs; return it and the RFC 7591 reply. Whatever authentication
    method the client asked for, it is registered as ``none``."""
    ratelimit.check("oauth-register-ip", f"ip:{ip}")
    if not isinstance(metadata, dict):
        raise _metadata_error(_("Send the client metadata as a JSON object."))
    uris = metadata.get("redirect_uris")
    if not isinstance(uris, list) or not uris:
        raise _redirect_error(_("redirect_uris must be a non-empty array of URLs."))
    if len(uris) > MAX_REDIRECT_URIS:
        raise _redirect_error(_("At most %(n)d redirect URIs.") % {"n": MAX_REDIRECT_URIS})
    uris = list(dict.fromkeys(clean_redirect_uri(uri) for uri in uris))
    _clean_list(metadata, "grant_types", {"authorization_code", "refresh_token"}, ["authorization_code"])
    _clean_list(metadata, "response_types", {"code"}, ["code"])
    scope = metadata.get("scope")
    if scope is not None and (not isinstance(scope, str) or set(scope.split()) - set(SCOPE_LABELS)):
        raise _metadata_error(_("scope may only hold: %(scopes)s.") % {"scopes": " ".join(SCOPE_LABELS)})
    name = _clean_name(metadata.get("client_name"), fallback=urlsplit(uris[0]).hostname or "")

    application = Application(
        name=name,
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(uris),
        registration_source=Application.RegistrationSource.DCR,
        skip_authorization=False,
        client_secret="",
        hash_client_secret=False,
    )
    try:
        application.full_clean()
    except ValidationError as exc:
        raise _redirect_error(" ".join(exc.messages)) from None
    application.save()
    reply = {
        "client_id": application.client_id,
        "client_id_issued_at": int(application.created.timestamp()),
        "client_name": application.name,
        "redirect_uris": uris,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        "scope": " ".join(SCOPE_LABELS),
    }
    return application, reply


@transaction.atomic
def assistant_disconnect(*, user, application_id: int) -> int:
    """End every token and pending code the person gave this client, at once:
    its next MCP call gets 401. Returns how many rows ended (0: nothing was connected)."""
    ended = 0
    for model in (AccessToken, RefreshToken, Grant):
        deleted, _by_model = model.objects.filter(user=user, application_id=application_id).delete()
        ended += deleted
    return ended


def mcp_write_log(
    *, user, application_id: int | None, client_name: str, tool: str, title_id: int | None, detail: str = ""
) -> McpWrite:
    return McpWrite.objects.create(
        user=user,
        application_id=application_id,
        client_name=client_name[:255],
        tool=tool,
        title_id=title_id,
        detail=detail[:200],
    )


def oauth_purge(*, now=None) -> int:
    """Drop expired tokens and codes (django-oauth-toolkit's own sweep) and
    clients registered more than a day ago that nobody ever authorised."""
    clear_expired()
    now = now or timezone.now()
    unused = Application.objects.filter(
        registration_source=Application.RegistrationSource.DCR, created__lt=now - UNUSED_CLIENT_TTL
    ).exclude(
        Exists(AccessToken.objects.filter(application=OuterRef("pk")))
        | Exists(RefreshToken.objects.filter(application=OuterRef("pk")))
        | Exists(Grant.objects.filter(application=OuterRef("pk")))
    )
    deleted, _by_model = unused.delete()
    return deleted
