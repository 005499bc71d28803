from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WalkState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    HUNDRED_PERCENT = "hundred_percent", _("100%")


class Walk(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="walks")
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="walks")
    state = models.CharField(_("state"), max_length=20, choices=WalkState.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("walk")
        constraints = [
            models.UniqueConstraint(fields=["user", "title"], name="walks_walk_user_title_unique"),
            models.CheckConstraint(condition=models.Q(state__in=WalkState.values), name="walks_walk_state_valid"),
        ]
        indexes = [
            models.Index(fields=["user", "-updated_at", "-id"], name="walk_user_recent"),
            models.Index(fields=["title", "-updated_at", "-id"], name="walk_title_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} / {self.title_id}: {self.state}"


class WatchlistEntry(models.Model):
    """A title the person wants to play or watch and has not started."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watchlist")
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="watchlisted")
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("watchlist entry")
        verbose_name_plural = _("watchlist entries")
        constraints = [
            models.UniqueConstraint(fields=["user", "title"], name="walks_watchlist_user_title_unique"),
        ]
        indexes = [models.Index(fields=["user", "-added_at", "-id"], name="watchlist_user_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} wants {self.title_id}"


class WalkDeletion(models.Model):
    """A deleted walk, for the clients that sync ``?updated_since=`` (core.sync):
    kept 30 days, then purged by ``walks.tasks.purge_walk_deletions``. Ids
    only: the walk, and maybe its title, are gone."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    walk_id = models.BigIntegerField()
    title_id = models.BigIntegerField()
    deleted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("deleted walk")
        indexes = [
            models.Index(fields=["user", "deleted_at"], name="walkdeletion_user_time"),
            models.Index(fields=["deleted_at"], name="walkdeletion_time"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} deleted walk {self.walk_id}"


class WalkTally(models.Model):
    """How many walks a person has of each (title type, state), kept by
    every writer of walks in the same transaction (walks.tally), so that a
    profile reads at most types × states rows whatever the library's size.
    ``reconcile_walk_tallies`` (hourly) repairs any drift."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=16)  # catalog.Title.type
    state = models.CharField(max_length=20, choices=WalkState.choices)
    count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("walk count")
        constraints = [
            models.UniqueConstraint(fields=["user", "type", "state"], name="walks_walktally_user_type_state_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.type}/{self.state}: {self.count}"
