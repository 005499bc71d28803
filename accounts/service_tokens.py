"""Service tokens: credentials for machines, hashed at rest, shown once."""

from __future__ import annotations

import secrets

from django.utils import timezone

from core.secrets import equals, hash_token

from .models import ServiceToken


def service_token_create(*, name: str, scopes: list[str]) -> tuple[ServiceToken, str]:
    """Create a token and return it with its secret, which is not stored."""
    valid = set(ServiceToken.Scope.values)
    unknown = set(scopes) - valid
    if not scopes or unknown:
        raise ValueError(f"scopes must be a non-empty subset of {sorted(valid)}")
    secret = ServiceToken.PREFIX + secrets.token_urlsafe(32)
    token = ServiceToken.objects.create(
        name=name, scopes=sorted(set(scopes)), secret_hash=hash_token(secret), hint=secret[:10]
    )
    return token, secret


def service_token_authenticate(secret: str) -> ServiceToken | None:
    """The active token with this secret, or None."""
    if not secret.startswith(ServiceToken.PREFIX) or len(secret) > 100:
        return None
    digest = hash_token(secret)
    token = ServiceToken.objects.active().filter(secret_hash=digest).first()
    if token is None or not equals(token.secret_hash, digest):
        return None
    now = timezone.now()
    # Record use at most once a minute, so a busy bot does not write per call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ServiceToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def service_token_revoke(*, token: ServiceToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
