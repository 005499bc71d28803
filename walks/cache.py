"""The walks' cache scopes and timeouts (see core.cache); only the walk
services bump them, once their write has committed."""

from __future__ import annotations

# The walk services make a user's counts stale when they write; a title that
# changes type (a curator's rare edit) or is deleted changes them without a
# walk service, and this bounds how long a count can be off.
WALK_COUNTS_SECONDS = 10 * 60


def user_walks_scope(user_id: int) -> str:
    """What is cached about a user's walks: their counts and lists."""
    return f"walks:user:{user_id}"


def title_walks_scope(title_id: int) -> str:
    """A title's lists of walks."""
    return f"walks:title:{title_id}"


def user_watchlist_scope(user_id: int) -> str:
    """A user's watchlist: its lists and whether a title is on it."""
    return f"walks:watchlist:{user_id}"
