"""Account linking: offers carried by a shared secret, and a log of
switches between the accounts of a group.

A group is the set of users sharing one ``User.group_uuid``. A person who
owns several accounts links them: account A makes an offer to account B, B
accepts, and A joins B's group. Any account of a group can then switch to any
other without its password, because every owner consented when linking.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import EMAIL_MAX_LENGTH


def offer_ttl() -> timedelta:
    return settings.LINKING_OFFER_TTL


class LinkStatus(models.TextChoices):
    SYN = "syn", _("Offered")
    ACK = "ack", _("Seen")
    FIN = "fin", _("Linked")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Withdrawn")


PENDING = (LinkStatus.SYN, LinkStatus.ACK)
# The only moves a row may make; every other one is refused. Nothing leaves
# a final state, so a used, declined, expired or withdrawn secret stays dead.
TRANSITIONS: dict[str, frozenset[str]] = {
    LinkStatus.SYN: frozenset(
        {LinkStatus.ACK, LinkStatus.FIN, LinkStatus.DECLINED, LinkStatus.EXPIRED, LinkStatus.CANCELLED}
    ),
    LinkStatus.ACK: frozenset({LinkStatus.FIN, LinkStatus.DECLINED, LinkStatus.EXPIRED, LinkStatus.CANCELLED}),
    LinkStatus.FIN: frozenset(),
    LinkStatus.DECLINED: frozenset(),
    LinkStatus.EXPIRED: frozenset(),
    LinkStatus.CANCELLED: frozenset(),
}


class LinkSecretQuerySet(models.QuerySet):
    def pending(self):
        """Offers still waiting for an answer and not past their expiry."""
        return self.filter(status__in=PENDING, expires_at__gt=timezone.now())


class LinkSecret(models.Model):
    """An offer from ``source_user`` (A) to join the group of ``target_user`` (B).

    Only the SHA-256 of the secret is stored; the secret itself is shown to A
    once. The status moves forward only (:data:`TRANSITIONS`), and every move
    is made by a service holding the row lock.

    ``target_email`` is the address A typed. When no account that may be
    linked has it, the offer is made all the same with no ``target_user``:
    A sees exactly what a real offer shows (so the form tells nobody which
    addresses are registered), and the offer simply never arrives.
    """

    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    source_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="link_offers_sent",
        verbose_name=_("from (joins the group)"),
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="link_offers_received",
        verbose_name=_("to (accepts)"),
    )
    target_email = models.EmailField(_("to (e-mail given)"), max_length=EMAIL_MAX_LENGTH, blank=True, default="")
    status = models.CharField(_("status"), max_length=12, choices=LinkStatus.choices, default=LinkStatus.SYN)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    acked_at = models.DateTimeField(_("seen"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = LinkSecretQuerySet.as_manager()

    class Meta:
        verbose_name = _("link offer")
        verbose_name_plural = _("link offers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=LinkStatus.values), name="linking_linksecret_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(source_user=models.F("target_user")), name="linking_linksecret_not_self"
            ),
            # At most one open offer from A to an address: a second one replaces the first.
            models.UniqueConstraint(
                fields=["source_user", "target_email"],
                condition=models.Q(status__in=PENDING),
                name="linking_linksecret_one_pending_per_address",
            ),
        ]
        indexes = [
            models.Index(fields=["target_user", "status"], name="linking_target_status_idx"),
            models.Index(fields=["source_user", "status"], name="linking_source_status_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.source_user_id} → {self.target_user_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    def move_to(self, status: str, *, now=None) -> None:
        """Set a new status, refusing any move backwards. The caller holds the
        row lock (``select_for_update``) and saves the row."""
        if status == self.status and status == LinkStatus.ACK:
            return
        if status not in TRANSITIONS[self.status]:
            raise ValueError(f"link offer cannot go from {self.status} to {status}")
        now = now or timezone.now()
        self.status = status
        if status == LinkStatus.ACK:
            self.acked_at = now
        else:
            self.closed_at = now


class AccountSwitch(models.Model):
    """One switch from an account to another of its group, for the owner's and
    the admins' eyes. Holds no secret."""

    class Channel(models.TextChoices):
        WEB = "web", _("Browser")
        API = "api", _("API")

    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("from")
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("to")
    )
    channel = models.CharField(_("via"), max_length=8, choices=Channel.choices, default=Channel.WEB)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    # What the switch handed out, ended with the link (services.group_leave):
    # the browser session it signed in, or the refresh-token family it issued.
    session_key = models.CharField(max_length=40, blank=True, default="", editable=False)
    token_family = models.CharField(max_length=64, blank=True, default="", editable=False)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("account switch")
        verbose_name_plural = _("account switches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.from_user_id} → {self.to_user_id} at {self.created_at:%Y-%m-%d %H:%M}"
