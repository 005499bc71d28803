"""The social app's cache scope (see core.cache); only social's services bump it."""

from __future__ import annotations

# Who may see whom is derived from rows that the services below bump on
# every change; this bounds anything written behind their back.
VISIBILITY_SECONDS = 10 * 60


def social_scope(user_id: int) -> str:
    """A person's follows, followers and blocks, and what is derived from them
    (who may see them)."""
    return f"social:user:{user_id}"


# The feed (the home page's panel and GET /api/v1/feed) is cached under the
# reader's social scope, so a follow or an unfollow shows at once; a followed
# person's new walk or review shows within this many seconds (the feed spans
# everyone followed: composing all their scopes would cost more than the
# feed's three indexed queries).
FEED_SECONDS = 30
