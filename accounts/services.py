"""Account services shared by the pages and the API (and by other apps)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypedDict

from django.contrib.auth import login as django_login
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from .models import User


class TokenPair(TypedDict):
    access: str
    refresh: str
    access_expires_at: int


def user_record_sign_in(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(last_auth_at=timezone.now())


def token_pair_issue(*, user: User) -> TokenPair:
    """A fresh access + refresh pair; ``access_expires_at`` is the access token's own ``exp``."""
    refresh = RefreshToken.for_user(user)
    access = refresh.access_token
    return {"access": str(access), "refresh": str(refresh), "access_expires_at": int(access["exp"])}


def user_sign_in_session(*, request, user: User) -> None:
    """Start a browser session for ``user`` (already authenticated by the caller)."""
    django_login(request, user, backend="accounts.backends.EmailBackend")
    user_record_sign_in(user=user)


@transaction.atomic
def user_revoke_refresh_tokens(*, user: User) -> int:
    """Blacklist every refresh token of ``user`` that is still alive. Returns how many."""
    now = datetime.now(tz=UTC)
    alive = OutstandingToken.objects.filter(user=user, expires_at__gt=now).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in alive], ignore_conflicts=True)
    return len(alive)
