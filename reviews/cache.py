"""The reviews' cache scopes (see core.cache); only the review services
bump them, once their write has committed."""

from __future__ import annotations


def title_reviews_scope(title_id: int) -> str:
    """A title's lists of reviews."""
    return f"reviews:title:{title_id}"


def user_reviews_scope(user_id: int) -> str:
    """A user's lists of reviews."""
    return f"reviews:user:{user_id}"


# Set (add-if-absent) by the first review write that finds no rating drain
# queued; the drain deletes it as it starts, so every write after that
# queues the next one. It expires in case a queued drain is lost; the beat's
# minute drain (``drain-rating-marks``) picks up what such a loss leaves.
DRAIN_QUEUED_KEY = "reviews:rating-drain-queued"
DRAIN_QUEUED_SECONDS = 60
