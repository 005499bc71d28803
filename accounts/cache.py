"""The accounts' cache scope and timeout (see core.cache and accounts.user_cache)."""

from __future__ import annotations

USER_CACHE_SECONDS = 60


def user_scope(user_id) -> str:
    """A user and their profile, and whatever is derived from these rows alone."""
    return f"accounts:user:{user_id}"


def token_family_revoked_key(family: str) -> str:
    """Set while the access tokens of a signed-out (or reused) refresh-token
    family may still be unexpired; JWT authentication refuses them."""
    return f"accounts:jwt-family-revoked:{family}"


def privacy_scope() -> str:
    """Someone made their profile private or public: lists of many people
    (a title's reviews and walks) show them differently."""
    return "accounts:privacy"
