"""Reads of people shared by the pages and the API."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import NotFound

from .models import User, UsernameHistory, username_matches

# What a list of walks or reviews shows of each person.
USER_BRIEF = (
    "user__id",
    "user__profile__user_id",
    "user__profile__username",
    "user__profile__avatar",
    "user__profile__is_private",
)
PERSON_FIELDS = (
    "id",
    "is_active",
    "profile__user_id",
    "profile__username",
    "profile__avatar",
    "profile__bio",
    "profile__links",
    "profile__is_private",
)


def public_user(*, pk: int) -> User:
    """An active user with their profile, for public pages and lists; 404 otherwise."""
    user = User.objects.filter(pk=pk, is_active=True).select_related("profile").only(*PERSON_FIELDS).first()
    if user is None:
        raise NotFound(_("No such user."), code="user_not_found")
    return user


def public_user_cached(*, pk: int) -> User:
    """:func:`public_user` from the shared cache (accounts.user_cache: the
    row and its profile, dropped whenever either is saved); 404 otherwise."""
    from .user_cache import cached_user

    user = cached_user(pk)
    if user is None or not user.is_active:
        raise NotFound(_("No such user."), code="user_not_found")
    return user


def user_by_handle(*, handle: str) -> User:
    """The active user a profile URL names: by their username (any case), by a
    username they had before (the latest to have it), or by their id (the old
    ``/u/<id>/`` URLs); 404 otherwise. The caller redirects when
    ``user.profile.username`` differs from ``handle``."""
    people = User.objects.filter(is_active=True).select_related("profile").only(*PERSON_FIELDS)
    user = username_matches(people, handle, field="profile__username").first()
    if user is None:
        former = username_matches(UsernameHistory.objects, handle).order_by("-changed_at", "-id").first()
        if former is not None:
            user = people.filter(pk=former.user_id).first()
    if user is None and handle.isdigit() and len(handle) <= 18:
        user = people.filter(pk=int(handle)).first()
    if user is None:
        raise NotFound(_("No such user."), code="user_not_found")
    return user
