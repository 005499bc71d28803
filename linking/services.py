"""Account linking: one function per rule, called by the pages and the API alike.

The flow: A offers to join B's group
(:func:`link_offer_create`, status ``syn``); B opens the link
(:func:`link_offer_view`, ``ack``, a safe and repeatable read); B accepts by
POST (:func:`link_confirm`, ``fin``) and A joins B's group, or declines
(:func:`link_decline`). A may withdraw an open offer (:func:`link_offer_cancel`).
Any account leaves its group, or removes another of the group, with
:func:`group_leave`; :func:`account_switch` checks that a switch is allowed
and records it.

Rules worth knowing:

- The account that joins (A) must not already share a group with other
  accounts: 409 ``already_linked`` (or ``already_linked_together`` when it is
  B's group). B may already have linked accounts; A then joins all of them.
- A second offer from A to B while one is open replaces it: the old secret
  stops working (status ``cancelled``) and a new one is returned. The secret
  is only stored hashed, so the old one could not be returned again.
- A secret presented by anyone but B is ``404 link_not_found``, exactly as
  an unknown one; a used, declined, withdrawn or expired secret is 410.
- When a join makes a group, every open offer made by one of its accounts is
  withdrawn: such an account could no longer join another group anyway.
- When a group would be left with a single account, that account's
  ``group_uuid`` is cleared too: one account alone is not a group.

Locks, always in this order: the group (a PostgreSQL advisory lock, see
:func:`_lock_group`), then users in primary-key order, then offer rows. So
two confirmations at once make one link, and a join never races a leave.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User, normalize_email
from accounts.services import TokenPair, session_end, token_family_end, token_pair_issue, user_sign_in_session
from accounts.user_cache import users_changed
from core import ratelimit
from core.errors import Conflict, Forbidden, Gone, Invalid, NotFound, ServiceError
from core.mail import send_notice
from core.secrets import equals, hash_token, new_token

from .models import PENDING, AccountSwitch, LinkSecret, LinkStatus, offer_ttl

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CreatedOffer:
    offer: LinkSecret
    secret: str  # shown to A once, never stored
    link: str


def link_url(secret: str) -> str:
    """The link A passes to B, built from the configured site URL, never from the Host header."""
    return f"{settings.SITE_URL}{reverse('linking:confirm')}?secret={secret}"


def settings_url() -> str:
    return f"{settings.SITE_URL}{reverse('linking:settings')}"


# --- helpers ---------------------------------------------------------------------------


def _lock_users(*pks: int) -> dict[int, User]:
    """Lock the given users' rows, in primary-key order so that two
    transactions never wait on each other crosswise."""
    rows = User.objects.select_for_update().filter(pk__in=set(pks)).order_by("pk")
    return {u.pk: u for u in rows}


# Namespace of this app's PostgreSQL advisory locks ("LK").
_GROUP_LOCK_NAMESPACE = 0x4C4B


def _lock_group(group: uuid.UUID | None) -> None:
    """Serialise every change to one group's membership until the transaction ends.

    Row locks cannot cover "the set of accounts in a group": under READ
    COMMITTED a leave that waited for a row lock would not see an account
    that joined meanwhile, and could dissolve a group that just grew. So
    joins and leaves first take this PostgreSQL advisory lock for the group
    (SQLite runs one writer at a time anyway). Order: group, users, offers.
    """
    if group is None or connection.vendor != "postgresql":
        return
    key = int.from_bytes(group.bytes[:4], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_GROUP_LOCK_NAMESPACE, key])


def _has_group_mates(user: User) -> bool:
    return bool(user.group_uuid) and User.objects.filter(group_uuid=user.group_uuid).exclude(pk=user.pk).exists()


def _privileged(user: User) -> bool:
    return user.is_staff or user.is_superuser


def _privileged_refused() -> Forbidden:
    # Switching needs no password and no second factor, so it must never lead
    # into an account that can reach the admin.
    return Forbidden(
        _("Staff and administrator accounts cannot be linked to other accounts."), code="privileged_account"
    )


def _check_can_join(*, source: User, target: User) -> None:
    """A (``source``) may join B's group. The caller holds both rows' locks."""
    if _privileged(source) or _privileged(target):
        raise _privileged_refused()
    if source.group_uuid and source.group_uuid == target.group_uuid:
        raise Conflict(_("These accounts are already linked."), code="already_linked_together")
    _check_not_in_group(source)


def _check_not_in_group(source: User) -> None:
    """A (``source``) shares no group yet, so it may join one."""
    if _has_group_mates(source):
        raise Conflict(
            _(
                "Account %(email)s is already linked to other accounts. "
                "It has to leave that group before it can join another one."
            )
            % {"email": source.email},
            code="already_linked",
        )


def _closed_error(offer: LinkSecret) -> ServiceError | None:
    """Why an offer can no longer be answered, or None if it still can."""
    if offer.status == LinkStatus.FIN:
        return Gone(_("This link has already been used."), code="link_used")
    if offer.status == LinkStatus.DECLINED:
        return Gone(_("This link was declined."), code="link_declined")
    if offer.status == LinkStatus.CANCELLED:
        return Gone(_("This link was withdrawn by the account that made it."), code="link_withdrawn")
    if offer.status == LinkStatus.EXPIRED or offer.is_expired():
        return Gone(_("This link has expired. Ask for a new one."), code="link_expired")
    return None


def _settle(offer: LinkSecret) -> ServiceError | None:
    """Inside the transaction holding ``offer``'s lock: mark an overdue offer
    expired and say why it cannot be answered. The caller raises the error
    after the transaction commits, so the expiry is kept."""
    error = _closed_error(offer)
    if error is not None and offer.is_pending:
        offer.move_to(LinkStatus.EXPIRED)
        offer.save(update_fields=["status", "closed_at"])
    return error


def _not_found() -> NotFound:
    return NotFound(_("This link does not exist or is meant for another account."), code="link_not_found")


def _find_for_target(*, user: User, secret: str | None = None, offer_id: int | None = None) -> LinkSecret:
    """The offer addressed to ``user``, by its secret or (from B's own lists) its id.

    Anyone but the target gets the same 404 as for an unknown secret; the one
    who made the offer is told it is their own link, which tells them nothing new.
    """
    if secret is not None:
        ratelimit.guard("link-secret-user", str(user.pk))
        digest = hash_token(secret.strip())
        offer = LinkSecret.objects.filter(secret_hash=digest).first()
        if offer is None or not equals(offer.secret_hash, digest):
            ratelimit.hit("link-secret-user", str(user.pk))
            raise _not_found()
    elif offer_id is not None:
        offer = LinkSecret.objects.filter(pk=offer_id).first()
        if offer is None:
            raise _not_found()
    else:
        raise Invalid(_("Give the link's secret."), code="secret_required")
    if offer.target_user_id != user.pk:
        if offer.source_user_id == user.pk:
            raise NotFound(
                _(
                    "This is your own link. Send it to the owner of the other account, "
                    "who opens it while signed in to that account."
                ),
                code="link_own_offer",
            )
        if secret is not None:
            ratelimit.hit("link-secret-user", str(user.pk))
        raise _not_found()
    return offer


def _notify(*, template: str, users: list[User], context: dict, key: str | None = None) -> None:
    """Tell ``users`` about a change once it commits. Every linking mail is a
    notice: the change stands if the queue refuses it (A has the link to pass
    on; a confirmed link must not answer "could not send" and then "used")."""
    for member in users:
        send_notice(
            template=template,
            to=member.email,
            context={**context, "recipient_email": member.email},
            locale=member.locale,
            key=f"{key}-{member.pk}" if key else None,
        )


def _public(user: User) -> dict:
    return {"email": user.email, "username": user.profile.username}


# --- offers ----------------------------------------------------------------------------


def link_offer_create(*, user: User, email: str, ip: str | None = None) -> CreatedOffer:
    """A (``user``) offers to join the group of the account with ``email``.

    Returns the offer and its secret, which is shown once. Raises ``Invalid``
    (own e-mail), ``Conflict`` (A already linked) or ``RateLimited``.

    The answer never says whether ``email`` belongs to an account: for an
    unknown, inactive or staff address the offer is made the same way (same
    rows, same locks, same limits, same reply) but with no target account and
    no e-mail, so it simply never arrives. The other owner learns of a real
    offer by e-mail and on their home page, not from A's screen.
    """
    email = normalize_email(email or "")
    if not email:
        raise Invalid(_("Enter the e-mail of the account to link."), code="email_required")
    if email == user.email:
        raise Invalid(_("You cannot link an account to itself."), code="link_self")
    ratelimit.check("link-offer-user", str(user.pk))
    if ip:
        ratelimit.check("link-offer-ip", ip)
    if _privileged(user):
        raise _privileged_refused()
    target = User.objects.filter(email=email, is_active=True).first()
    if target is not None and _privileged(target):
        target = None  # a staff account answers like no account: the form reveals no admin's address

    with transaction.atomic():
        locked = _lock_users(user.pk, *([target.pk] if target else []))
        source = locked[user.pk]
        target_locked = locked.get(target.pk) if target else None
        if target_locked is not None:
            _check_can_join(source=source, target=target_locked)
        else:
            _check_not_in_group(source)
        ratelimit.check("link-offer-pair", f"{source.pk}:{email}")
        now = timezone.now()
        for old in LinkSecret.objects.select_for_update().filter(
            source_user=source, target_email=email, status__in=PENDING
        ):
            old.move_to(LinkStatus.CANCELLED, now=now)
            old.save(update_fields=["status", "closed_at"])
        secret = new_token()
        offer = LinkSecret.objects.create(
            secret_hash=hash_token(secret),
            source_user=source,
            target_user=target_locked,
            target_email=email,
            created_at=now,
            expires_at=now + offer_ttl(),
        )
        if target_locked is not None:
            _notify(
                template="linking/linking_offer",
                users=[target_locked],
                context={
                    "source": _public(user),
                    "days": offer_ttl().days,
                    "home_url": f"{settings.SITE_URL}{reverse('home')}",
                },
                key=f"linking-offer-{offer.pk}",
            )
    # The log names the target only by id, and "none" alike for every unknown address.
    logger.info(
        "link offer %s created by user %s for user %s", offer.pk, source.pk, target_locked.pk if target_locked else None
    )
    offer.source_user, offer.target_user = user, target_locked
    return CreatedOffer(offer=offer, secret=secret, link=link_url(secret))


def link_offer_view(*, user: User, secret: str) -> LinkSecret:
    """B opens the link: the offer moves from ``syn`` to ``ack``. Safe to repeat."""
    found = _find_for_target(user=user, secret=secret)
    with transaction.atomic():
        offer = LinkSecret.objects.select_for_update().get(pk=found.pk)
        error = _settle(offer)
        if error is None and offer.status == LinkStatus.SYN:
            offer.move_to(LinkStatus.ACK)
            offer.save(update_fields=["status", "acked_at"])
    if error is not None:
        raise error
    offer.source_user = User.objects.select_related("profile").get(pk=offer.source_user_id)
    return offer


def link_confirm(*, user: User, secret: str | None = None, offer_id: int | None = None) -> LinkSecret:
    """B accepts: A joins B's group (B gets a new group if it had none).

    Exactly one of two simultaneous confirmations succeeds; the other sees a
    used link (410). The whole group is told by e-mail.
    """
    found = _find_for_target(user=user, secret=secret, offer_id=offer_id)
    for _attempt in range(5):
        host_group = User.objects.filter(pk=found.target_user_id).values_list("group_uuid", flat=True).first()
        outcome = _confirm_locked(offer_pk=found.pk, host_group=host_group)
        if outcome is not None:
            break
    else:  # B's group kept changing under us; practically unreachable
        raise Conflict(_("The accounts changed while linking. Try again."), code="try_again")
    if isinstance(outcome, ServiceError):
        raise outcome
    offer, members = outcome
    by_pk = {m.pk: m for m in members}
    offer.source_user, offer.target_user = by_pk[offer.source_user_id], by_pk[offer.target_user_id]
    logger.info(
        "link offer %s confirmed: user %s joined the group of user %s",
        offer.pk,
        offer.source_user_id,
        offer.target_user_id,
    )
    return offer


@transaction.atomic
def _confirm_locked(
    *, offer_pk: int, host_group: uuid.UUID | None
) -> tuple[LinkSecret, list[User]] | ServiceError | None:
    """One attempt of :func:`link_confirm` under the group lock and the row
    locks. Returns the linked offer and the group's members, or the error to
    raise once the transaction has committed (an expiry is kept), or None when
    B's group changed before the locks were taken (try again)."""
    _lock_group(host_group)
    offer_row = LinkSecret.objects.only("source_user_id", "target_user_id").get(pk=offer_pk)
    locked = _lock_users(offer_row.source_user_id, offer_row.target_user_id)
    source, target = locked[offer_row.source_user_id], locked[offer_row.target_user_id]
    if target.group_uuid != host_group:
        return None
    offer = LinkSecret.objects.select_for_update().get(pk=offer_pk)
    error = _settle(offer)
    if error is not None:
        return error
    if not source.is_active:
        raise Gone(_("The account that made this link no longer exists."), code="link_withdrawn")
    _check_can_join(source=source, target=target)
    group = target.group_uuid or uuid.uuid4()
    User.objects.filter(pk__in=[source.pk, target.pk]).update(group_uuid=group)
    users_changed(source.pk, target.pk)
    offer.move_to(LinkStatus.FIN)
    offer.save(update_fields=["status", "closed_at"])
    # Accounts of a group cannot join another one: their open offers are dead.
    LinkSecret.objects.filter(source_user__group_uuid=group, status__in=PENDING).update(
        status=LinkStatus.CANCELLED, closed_at=timezone.now()
    )
    members = list(User.objects.filter(group_uuid=group).select_related("profile").order_by("pk"))
    by_pk = {m.pk: m for m in members}
    _notify(
        template="linking/linking_made",
        users=members,
        context={
            "joined": _public(by_pk[source.pk]),
            "host": _public(by_pk[target.pk]),
            "members": [_public(m) for m in members],
            "settings_url": settings_url(),
        },
        key=f"linking-made-{offer.pk}",
    )
    return offer, members


def link_decline(*, user: User, secret: str | None = None, offer_id: int | None = None) -> LinkSecret:
    """B says no; the secret stops working."""
    found = _find_for_target(user=user, secret=secret, offer_id=offer_id)
    with transaction.atomic():
        offer = LinkSecret.objects.select_for_update().get(pk=found.pk)
        error = _settle(offer)
        if error is None:
            offer.move_to(LinkStatus.DECLINED)
            offer.save(update_fields=["status", "closed_at"])
    if error is not None:
        raise error
    logger.info("link offer %s declined by user %s", offer.pk, user.pk)
    offer.source_user = User.objects.select_related("profile").get(pk=offer.source_user_id)
    return offer


def link_offer_cancel(*, user: User, offer_id: int) -> LinkSecret:
    """A withdraws an offer it made and that is still open."""
    with transaction.atomic():
        offer = LinkSecret.objects.select_for_update().filter(pk=offer_id, source_user=user).first()
        if offer is None:
            raise NotFound(_("There is no such offer."), code="offer_not_found")
        error = _settle(offer)
        if error is None:
            offer.move_to(LinkStatus.CANCELLED)
            offer.save(update_fields=["status", "closed_at"])
    if error is not None:
        raise error
    return offer


def link_offers_expire() -> int:
    """Mark every overdue open offer expired (a periodic clean-up; the
    services also expire an offer when it is presented late)."""
    return LinkSecret.objects.filter(status__in=PENDING, expires_at__lte=timezone.now()).update(
        status=LinkStatus.EXPIRED, closed_at=timezone.now()
    )


# --- groups ----------------------------------------------------------------------------


def group_leave(*, user: User, member_id: int | None = None) -> User:
    """``user`` leaves its group, or takes ``member_id`` (another account of
    the same group) out of it. Any account of a group can already act as any
    other, so any of them may do this. If one account would be left alone,
    its group is cleared too. Returns the account that left.
    """
    group = User.objects.filter(pk=user.pk).values_list("group_uuid", flat=True).first()
    if not group:
        raise Conflict(_("This account is not linked to any other."), code="not_linked")
    with transaction.atomic():
        _lock_group(group)
        # Read after the group lock: every join into this group has committed.
        members = list(
            User.objects.select_for_update(of=("self",))
            .filter(group_uuid=group)
            .select_related("profile")
            .order_by("pk")
        )
        by_pk = {m.pk: m for m in members}
        if user.pk not in by_pk or len(members) < 2:
            raise Conflict(_("This account is not linked to any other."), code="not_linked")
        leaving_pk = user.pk if member_id is None else member_id
        if leaving_pk not in by_pk:
            raise NotFound(_("This account is not linked to yours."), code="not_in_group")
        remaining = [m for m in members if m.pk != leaving_pk]
        clear = [leaving_pk] + ([remaining[0].pk] if len(remaining) == 1 else [])
        User.objects.filter(pk__in=clear).update(group_uuid=None)
        users_changed(*clear)
        others = [m.pk for m in remaining]
        transaction.on_commit(lambda: _switches_end(leaving_pk=leaving_pk, others=others))
        leaving = by_pk[leaving_pk]
        _notify(
            template="linking/linking_removed",
            users=members,
            context={
                "left": _public(leaving),
                "by": _public(by_pk[user.pk]) if leaving_pk != user.pk else None,
                "remaining": [_public(m) for m in remaining] if len(remaining) > 1 else [],
                "settings_url": settings_url(),
            },
        )
    for member in members:
        if member.pk in clear:
            member.group_uuid = None
    if user.pk in clear:
        user.group_uuid = None
    logger.info("user %s left linked group (by user %s)", leaving_pk, user.pk)
    return leaving


def account_switch(
    *, user: User, target_id: int, channel: str = AccountSwitch.Channel.WEB, ip: str | None = None
) -> User:
    """May ``user`` act as ``target_id`` right now? Both must be in the same
    group at this moment. Records the switch and returns the target."""
    return _switch(user=user, target_id=target_id, channel=channel, ip=ip).to_user


def account_switch_session(*, request, target_id: int, ip: str | None = None) -> User:
    """Switch the browser of ``request`` into ``target_id``: the session it
    signs in is recorded, so that it ends with the link."""
    switch = _switch(user=request.user, target_id=target_id, channel=AccountSwitch.Channel.WEB, ip=ip)
    user_sign_in_session(request=request, user=switch.to_user)
    if not request.session.session_key:  # signing in as someone else flushed the session
        request.session.save()
    switch.session_key = request.session.session_key
    switch.save(update_fields=["session_key"])
    return switch.to_user


def account_switch_tokens(*, user: User, target_id: int, ip: str | None = None) -> tuple[User, TokenPair]:
    """Switch an API client into ``target_id``: a token pair of a family of
    its own, recorded, so that it ends with the link (refresh and access)."""
    switch = _switch(user=user, target_id=target_id, channel=AccountSwitch.Channel.API, ip=ip)
    switch.token_family = uuid.uuid4().hex
    switch.save(update_fields=["token_family"])
    return switch.to_user, token_pair_issue(user=switch.to_user, family=switch.token_family)


def _switches_end(*, leaving_pk: int, others: list[int]) -> None:
    """The link between ``leaving_pk`` and ``others`` ended: whatever a switch
    between them handed out, either way, stops working (sessions deleted,
    refresh families blacklisted and their access tokens refused)."""
    switches = list(
        AccountSwitch.objects.filter(ended_at__isnull=True)
        .filter(Q(from_user_id=leaving_pk, to_user_id__in=others) | Q(to_user_id=leaving_pk, from_user_id__in=others))
        .exclude(session_key="", token_family="")
        .select_related("to_user")
    )
    for switch in switches:
        if switch.session_key:
            session_end(session_key=switch.session_key)
        if switch.token_family:
            token_family_end(user=switch.to_user, family=switch.token_family, reuse=False)
    AccountSwitch.objects.filter(pk__in=[s.pk for s in switches]).update(ended_at=timezone.now())


def _switch(*, user: User, target_id: int, channel: str, ip: str | None) -> AccountSwitch:
    if target_id == user.pk:
        raise Invalid(_("You are already using this account."), code="switch_self")
    rows = {u.pk: u for u in User.objects.filter(pk__in=[user.pk, target_id]).select_related("profile")}
    me, target = rows.get(user.pk), rows.get(target_id)
    if me is None or target is None or not target.is_active or not me.group_uuid or me.group_uuid != target.group_uuid:
        raise Forbidden(_("This account is not linked to yours."), code="not_linked_account")
    if _privileged(me) or _privileged(target):  # made staff after the link
        raise _privileged_refused()
    switch = AccountSwitch.objects.create(from_user=me, to_user=target, channel=channel, ip=ip or None)
    logger.info("account switch: user %s -> user %s via %s", me.pk, target.pk, channel)
    return switch
