"""Staff onboarding: positions, staff records and activation codes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import EMAIL_MAX_LENGTH


class Position(models.Model):
    name = models.CharField(_("name"), max_length=100)
    has_erp_access = models.BooleanField(
        _("has ERP access"),
        default=False,
        help_text=_("Staff in this position may get a user account for the web application."),
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="staff_position_name_ci_unique", violation_error_code="unique"),
        ]

    def __str__(self) -> str:
        return self.name


class StaffState(models.TextChoices):
    NO_USER = "no_user", _("No user")
    PENDING = "pending", _("Waiting for activation")
    ACTIVE = "active", _("Active")
    DEACTIVATED = "deactivated", _("Deactivated")


class StaffQuerySet(models.QuerySet):
    def with_related(self) -> StaffQuerySet:
        """Everything a list row shows, in the same query."""
        live = ActivationCode.objects.live().filter(user_id=OuterRef("user_id")).order_by("-created_at")
        return self.select_related("position", "user__profile", "created_by_user", "created_by_token").annotate(
            activation_expires_at=Subquery(live.values("expires_at")[:1])
        )

    def in_state(self, state: str) -> StaffQuerySet:
        # Mirrors Staff.state; a never-activated user has an unusable
        # password, which Django stores with a leading "!".
        if state == StaffState.NO_USER:
            return self.filter(user__isnull=True)
        if state == StaffState.ACTIVE:
            return self.filter(user__is_active=True)
        never_activated = Q(user__password__startswith="!")
        if state == StaffState.PENDING:
            return self.filter(never_activated, user__is_active=False, deactivated_at__isnull=True)
        if state == StaffState.DEACTIVATED:
            return self.filter(Q(deactivated_at__isnull=False) | ~never_activated, user__is_active=False)
        return self.none()


class Staff(models.Model):
    """An employee. ``user`` is their account in the web application, if any.

    Who created the record is either a person (``created_by_user``) or a
    machine (``created_by_token``, the bot's service token), never both.
    """

    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("e-mail"), max_length=EMAIL_MAX_LENGTH)
    phone = models.CharField(
        _("phone"), max_length=16, blank=True, help_text=_("International format, e.g. +79991234567.")
    )
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="staff", verbose_name=_("position"))
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    # Set when the user is deactivated on purpose, cleared when onboarded again:
    # an inactive user who never activated is otherwise "waiting for activation".
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True, editable=False)
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by (person)"),
    )
    created_by_token = models.ForeignKey(
        "accounts.ServiceToken",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("created by (service token)"),
    )

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="staff_staff_email_ci_unique", violation_error_code="unique"),
            models.CheckConstraint(
                condition=Q(created_by_user__isnull=True) | Q(created_by_token__isnull=True),
                name="staff_staff_one_creator",
            ),
        ]
        indexes = [models.Index(fields=["-created_at", "-id"], name="staff_staff_created_idx")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def state(self) -> str:
        user = self.user
        if user is None:
            return StaffState.NO_USER
        if user.is_active:
            return StaffState.ACTIVE
        # Activation sets the first password; until then it is unusable. A
        # user switched off elsewhere (the user admin) has a usable one.
        if self.deactivated_at is not None or user.has_usable_password():
            return StaffState.DEACTIVATED
        return StaffState.PENDING

    def get_state_display(self) -> str:
        return str(StaffState(self.state).label)

    @property
    def created_by(self) -> dict[str, str] | None:
        if self.created_by_token_id:
            return {"type": "service_token", "name": self.created_by_token.name}
        if self.created_by_user_id:
            return {"type": "user", "name": self.created_by_user.email}
        return None


class ActivationCodeQuerySet(models.QuerySet):
    def live(self) -> ActivationCodeQuerySet:
        """Codes that can still activate an account."""
        return self.filter(
            used_at__isnull=True,
            retired_at__isnull=True,
            expires_at__gt=timezone.now(),
        )


class ActivationCode(models.Model):
    """A one-time code that lets a staff member set their first password.

    Only an HMAC of the code is stored. At most one code per user is
    outstanding (neither used nor retired); issuing a new one retires it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activation_codes", verbose_name=_("user")
    )
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("issued"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)

    objects = ActivationCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(used_at__isnull=True, retired_at__isnull=True),
                name="staff_activationcode_one_outstanding_per_user",
            ),
        ]
        indexes = [models.Index(fields=["user", "code_hash"], name="staff_actcode_user_hash_idx")]

    def __str__(self) -> str:
        return f"activation code #{self.pk} for user #{self.user_id}"
