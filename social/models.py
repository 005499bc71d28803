from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FollowStatus(models.TextChoices):
    PENDING = "pending", _("Requested")
    APPROVED = "approved", _("Following")


class Follow(models.Model):
    """``follower`` follows ``followee``; pending until a private followee approves."""

    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    followee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_by")
    status = models.CharField(_("status"), max_length=10, choices=FollowStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("follow")
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="social_follow_once"),
            models.CheckConstraint(condition=~models.Q(follower=models.F("followee")), name="social_follow_not_self"),
            models.CheckConstraint(condition=models.Q(status__in=FollowStatus.values), name="social_follow_status"),
        ]
        indexes = [
            models.Index(fields=["followee", "status", "-created_at"], name="follow_followee"),
            models.Index(fields=["follower", "status", "-created_at"], name="follow_follower"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} → {self.followee_id} ({self.status})"


class Block(models.Model):
    """``blocker`` blocked ``blocked``: no follow either way, and nothing of the blocker to see."""

    blocker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks")
    blocked = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocked_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("block")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="social_block_once"),
            models.CheckConstraint(condition=~models.Q(blocker=models.F("blocked")), name="social_block_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} ⊘ {self.blocked_id}"


class Preferences(models.Model):
    """Which e-mails about followers a person wants (a row only once they change one)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="social_preferences"
    )
    notify_new_follower = models.BooleanField(_("e-mail me about a new follower"), default=True)
    notify_follow_request = models.BooleanField(_("e-mail me about a follow request"), default=True)

    class Meta:
        verbose_name = _("following preferences")
        verbose_name_plural = _("following preferences")

    def __str__(self) -> str:
        return str(self.user_id)
