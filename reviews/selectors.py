"""Reads of reviews shared by the pages and the API."""

from __future__ import annotations

from django.db.models import Count, F, QuerySet

from accounts.selectors import USER_BRIEF
from catalog.selectors import TITLE_BRIEF, clean_ordering, clean_type
from core.cache import cache_key, cached

from .cache import title_reviews_scope
from .models import Review, ReviewDeletion

REVIEW_FIELDS = ("id", "rating", "text", "created_at", "updated_at", "user_id", "title_id")
TITLE_REVIEW_ORDERINGS = {
    "-updated_at": ("-updated_at", "-id"),
    "rating": ("rating", "id"),
    "-rating": ("-rating", "-id"),
}


def title_reviews(*, title_id: int, ordering: str | None = None) -> QuerySet[Review]:
    """A title's reviews with their authors: newest update first, or by rating."""
    ordering = clean_ordering(ordering, choices=TITLE_REVIEW_ORDERINGS, default="-updated_at")
    return (
        Review.objects.filter(title_id=title_id)
        .select_related("user__profile")
        .only(*REVIEW_FIELDS, *USER_BRIEF)
        .order_by(*TITLE_REVIEW_ORDERINGS[ordering])
    )


def user_reviews(*, user_id: int, type: str | None = None) -> QuerySet[Review]:
    """A user's reviews, newest update first, each with its title."""
    type = clean_type(type, required=False)
    qs = Review.objects.filter(user_id=user_id)
    if type:
        qs = qs.filter(title__type=type)
    return qs.select_related("title").only(*REVIEW_FIELDS, *TITLE_BRIEF).order_by(F("updated_at").desc(), "-id")


def user_reviews_changed(*, user_id: int, since, limit: int) -> tuple[list[Review], list[ReviewDeletion]]:
    """The sync read (core.sync): the user's reviews changed at or after
    ``since``, oldest change first, each with its title, and the tombstones
    of those deleted since. Two queries; at most ``limit`` + 1 rows each."""
    rows = list(
        Review.objects.filter(user_id=user_id, updated_at__gte=since)
        .select_related("title")
        .only(*REVIEW_FIELDS, *TITLE_BRIEF)
        .order_by("updated_at", "id")[: limit + 1]
    )
    deleted = list(
        ReviewDeletion.objects.filter(user_id=user_id, deleted_at__gte=since)
        .only("review_id", "title_id", "deleted_at")
        .order_by("deleted_at", "id")[: limit + 1]
    )
    return rows, deleted


def user_ratings(*, user_id: int, title_ids) -> dict[int, int]:
    """The user's own score of each of these titles they reviewed (one query)."""
    ids = list(title_ids)
    if not ids:
        return {}
    return dict(Review.objects.filter(user_id=user_id, title_id__in=ids).values_list("title_id", "rating"))


HISTOGRAM_SECONDS = 10 * 60


def title_rating_histogram(*, title_id: int) -> list[int]:
    """How many reviews of the title fall in each bucket of 10 (0-9 ... 90-100):
    one GROUP BY over the title's ratings, cached until one of its reviews changes."""

    def count() -> list[int]:
        buckets = [0] * 10
        for row in Review.objects.filter(title_id=title_id).values("rating").annotate(n=Count("id")).order_by():
            buckets[min(row["rating"] // 10, 9)] += row["n"]
        return buckets

    scope = title_reviews_scope(title_id)
    return cached(scope, cache_key(scope, "histogram"), count, timeout=HISTOGRAM_SECONDS)
