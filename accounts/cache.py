"""The accounts' cache scope and timeout (see core.cache and accounts.user_cache)."""

from __future__ import annotations

USER_CACHE_SECONDS = 60


def user_scope(user_id) -> str:
    """A user and their profile, and whatever is derived from these rows alone."""
    return f"accounts:user:{user_id}"
