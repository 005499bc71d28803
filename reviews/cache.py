"""The reviews' cache scopes (see core.cache); only the review services
bump them, once their write has committed."""

from __future__ import annotations


def title_reviews_scope(title_id: int) -> str:
    """A title's lists of reviews."""
    return f"reviews:title:{title_id}"


def user_reviews_scope(user_id: int) -> str:
    """A user's lists of reviews."""
    return f"reviews:user:{user_id}"
