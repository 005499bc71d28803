"""Every write of following: follow, approve, decline, unfollow, block,
privacy and e-mail preferences."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import profile_update
from core.cache import bump
from core.errors import Forbidden, Invalid, NotFound
from core.mail import send_notice

from .cache import social_scope
from .models import Block, Follow, FollowStatus, Preferences


def _changed(*user_ids: int) -> None:
    scopes = [social_scope(pk) for pk in user_ids]
    transaction.on_commit(lambda: bump(*scopes))


def _person(user_id: int) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).select_related("profile").first()
    if user is None:
        raise NotFound(_("No such user."), code="user_not_found")
    return user


def _notify(*, template: str, recipient: User, follower: User) -> None:
    prefs = Preferences.objects.filter(user_id=recipient.pk).first() or Preferences(user_id=recipient.pk)
    wanted = prefs.notify_follow_request if template == "social/social_follow_request" else prefs.notify_new_follower
    if not wanted:
        return
    send_notice(
        template=template,
        to=recipient.email,
        context={
            "follower": follower.profile.username,
            "follower_path": reverse("walks:profile", kwargs={"username": follower.profile.username}),
            "followers_path": reverse("social:followers", kwargs={"username": recipient.profile.username}),
            "settings_path": reverse("accounts:settings") + "#following",
        },
        locale=recipient.locale,
        key=f"{template}-{follower.pk}-{recipient.pk}-{timezone.now():%Y%m%d}",
    )


@transaction.atomic
def follow_create(*, follower: User, followee_id: int) -> tuple[Follow, bool]:
    """Follow someone: at once if their profile is public, as a request if it
    is private; returns the follow and whether it is new. Following again
    changes nothing. Forbidden between people when either blocked the
    other, and of oneself."""
    if follower.pk == followee_id:
        raise Invalid(_("You cannot follow yourself."), code="follow_self")
    followee = _person(followee_id)
    pair = (follower.pk, followee.pk)
    if Block.objects.filter(blocker_id__in=pair, blocked_id__in=pair).exists():
        raise Forbidden(_("You cannot follow this person."), code="follow_blocked")
    existing = Follow.objects.filter(follower_id=follower.pk, followee_id=followee.pk).first()
    if existing is not None:
        return existing, False
    private = followee.profile.is_private
    try:
        with transaction.atomic():
            follow = Follow.objects.create(
                follower_id=follower.pk,
                followee_id=followee.pk,
                status=FollowStatus.PENDING if private else FollowStatus.APPROVED,
                approved_at=None if private else timezone.now(),
            )
    except IntegrityError:  # the same request twice at once
        return Follow.objects.get(follower_id=follower.pk, followee_id=followee.pk), False
    _changed(follower.pk, followee.pk)
    _notify(
        template="social/social_follow_request" if private else "social/social_new_follower",
        recipient=followee,
        follower=follower,
    )
    return follow, True


@transaction.atomic
def follow_delete(*, follower: User, followee_id: int) -> None:
    """Unfollow, or withdraw a request (nothing to undo is fine)."""
    if Follow.objects.filter(follower_id=follower.pk, followee_id=followee_id).delete()[0]:
        _changed(follower.pk, followee_id)


def _pending(*, followee: User, follower_id: int) -> Follow:
    follow = (
        Follow.objects.select_for_update()
        .filter(follower_id=follower_id, followee_id=followee.pk, status=FollowStatus.PENDING)
        .first()
    )
    if follow is None:
        raise NotFound(_("No such follow request."), code="follow_request_not_found")
    return follow


@transaction.atomic
def follow_approve(*, followee: User, follower_id: int) -> Follow:
    """A private person lets someone who asked follow them."""
    follow = _pending(followee=followee, follower_id=follower_id)
    follow.status, follow.approved_at = FollowStatus.APPROVED, timezone.now()
    follow.save(update_fields=["status", "approved_at"])
    _changed(follower_id, followee.pk)
    return follow


@transaction.atomic
def follow_decline(*, followee: User, follower_id: int) -> None:
    _pending(followee=followee, follower_id=follower_id).delete()
    _changed(follower_id, followee.pk)


@transaction.atomic
def follower_remove(*, followee: User, follower_id: int) -> None:
    """Stop someone following you (without blocking them)."""
    if Follow.objects.filter(follower_id=follower_id, followee_id=followee.pk).delete()[0]:
        _changed(follower_id, followee.pk)


@transaction.atomic
def block_create(*, blocker: User, blocked_id: int) -> Block:
    """Block someone: follows both ways end, they can no longer follow you or
    see your walks, reviews, statistics or feed entries."""
    if blocker.pk == blocked_id:
        raise Invalid(_("You cannot block yourself."), code="block_self")
    blocked = User.objects.filter(pk=blocked_id).first()
    if blocked is None:
        raise NotFound(_("No such user."), code="user_not_found")
    block, _created = Block.objects.get_or_create(blocker_id=blocker.pk, blocked_id=blocked.pk)
    Follow.objects.filter(follower_id=blocker.pk, followee_id=blocked.pk).delete()
    Follow.objects.filter(follower_id=blocked.pk, followee_id=blocker.pk).delete()
    _changed(blocker.pk, blocked.pk)
    return block


@transaction.atomic
def block_delete(*, blocker: User, blocked_id: int) -> None:
    if Block.objects.filter(blocker_id=blocker.pk, blocked_id=blocked_id).delete()[0]:
        _changed(blocker.pk, blocked_id)


@transaction.atomic
def privacy_set(*, user: User, is_private: bool) -> None:
    """Make the profile private or public. Going public approves the
    requests waiting: anyone may follow a public profile."""
    profile_update(user=user, is_private=is_private)
    if not is_private:
        waiting = list(
            Follow.objects.filter(followee_id=user.pk, status=FollowStatus.PENDING).values_list(
                "follower_id", flat=True
            )
        )
        if waiting:
            Follow.objects.filter(followee_id=user.pk, status=FollowStatus.PENDING).update(
                status=FollowStatus.APPROVED, approved_at=timezone.now()
            )
            _changed(user.pk, *waiting)
    _changed(user.pk)


@transaction.atomic
def preferences_update(
    *, user: User, notify_new_follower: bool | None = None, notify_follow_request: bool | None = None
) -> Preferences:
    prefs, _created = Preferences.objects.select_for_update().get_or_create(user_id=user.pk)
    if notify_new_follower is not None:
        prefs.notify_new_follower = bool(notify_new_follower)
    if notify_follow_request is not None:
        prefs.notify_follow_request = bool(notify_follow_request)
    prefs.save()
    return prefs
