from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

RATING_MIN, RATING_MAX = 0, 100


class Review(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(_("rating"))
    text = models.TextField(_("review"), max_length=10_000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("review")
        constraints = [
            models.UniqueConstraint(fields=["user", "title"], name="reviews_review_user_title_unique"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX), name="reviews_review_rating_range"
            ),
        ]
        indexes = [
            models.Index(fields=["title", "-updated_at", "-id"], name="review_title_recent"),
            models.Index(fields=["title", "-rating", "-id"], name="review_title_rating"),
            models.Index(fields=["user", "-updated_at", "-id"], name="review_user_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} / {self.title_id}: {self.rating}"


class ReviewDeletion(models.Model):
    """A deleted review, for the clients that sync ``?updated_since=`` (core.sync):
    kept 30 days, then purged by ``reviews.tasks.purge_review_deletions``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    review_id = models.BigIntegerField()
    title_id = models.BigIntegerField()
    deleted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("deleted review")
        indexes = [
            models.Index(fields=["user", "deleted_at"], name="reviewdeletion_user_time"),
            models.Index(fields=["deleted_at"], name="reviewdeletion_time"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} deleted review {self.review_id}"


class RatingMark(models.Model):
    """A title whose stored rating may be stale: written by every review
    write in its own transaction (so the mark commits exactly when the review
    does) and removed by ``reviews.services.title_rating_marks_drain`` once
    the rating is recomputed. No foreign key: a mark costs the writer no
    check on the title's row, and a deleted title's mark is simply drained."""

    title_id = models.BigIntegerField(primary_key=True)
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("stale rating")

    def __str__(self) -> str:
        return f"title {self.title_id} rating stale since {self.marked_at}"
