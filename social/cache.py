"""The social app's cache scope (see core.cache); only social's services bump it."""

from __future__ import annotations

# Who may see whom is derived from rows that the services below bump on
# every change; this bounds anything written behind their back.
VISIBILITY_SECONDS = 10 * 60


def social_scope(user_id: int) -> str:
    """A person's follows, followers and blocks, and what is derived from them
    (who may see them)."""
    return f"social:user:{user_id}"
