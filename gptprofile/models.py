"""Single-use links that let a person edit their profile after asking ChatGPT."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A link works for an hour, once: short enough that a forwarded or leaked
# e-mail is useless soon, long enough to read the mail and click.
TOKEN_LIFETIME = timedelta(hours=1)


class ProfileEditTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Links that can still load and save: not used, not expired, for an active account."""
        now = now or timezone.now()
        return self.filter(used_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ProfileEditToken(models.Model):
    """A link to the profile-edit page. Only the SHA-256 of the token is stored.

    Opening the page or loading the profile does not use the link up; a save
    does (``used_at``). Asking for a new link expires the older ones.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile_edit_tokens",
        verbose_name=_("user"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    objects = ProfileEditTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("profile edit link")
        verbose_name_plural = _("profile edit links")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="gptprofile_token_user_idx"),
            models.Index(fields=["expires_at"], name="gptprofile_token_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gte=models.F("created_at")), name="gptprofile_token_expiry_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.created_at:%Y-%m-%d %H:%M}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.expires_at > now and self.user.is_active
