"""Reads of the assistants app."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, RefreshToken


@dataclass
class Connection:
    application: Application
    scopes: list[str] = field(default_factory=list)
    connected_at: datetime | None = None
    last_token_at: datetime | None = None


def user_connections(*, user_id: int) -> list[Connection]:
    """The clients holding a live token of the person (an unexpired access
    token or an unrevoked refresh token), with the scopes they were granted.
    Two queries whatever the number of clients and tokens."""
    now = timezone.now()
    live_refresh = RefreshToken.objects.filter(user_id=user_id, revoked__isnull=True).values("application_id")
    live_access = AccessToken.objects.filter(user_id=user_id, expires__gt=now).values("application_id")
    apps = list(
        Application.objects.filter(Q(pk__in=live_refresh) | Q(pk__in=live_access))
        .only("id", "name", "client_id", "redirect_uris", "created")
        .order_by("name", "id")
    )
    if not apps:
        return []
    connections = {app.pk: Connection(application=app) for app in apps}
    rows = AccessToken.objects.filter(user_id=user_id, application_id__in=connections).values_list(
        "application_id", "scope", "created"
    )
    for app_id, scope, created in rows:
        conn = connections[app_id]
        for s in scope.split():
            if s not in conn.scopes:
                conn.scopes.append(s)
        conn.connected_at = min(filter(None, (conn.connected_at, created)))
        conn.last_token_at = max(filter(None, (conn.last_token_at, created)))
    for conn in connections.values():
        conn.scopes.sort()
    return list(connections.values())
