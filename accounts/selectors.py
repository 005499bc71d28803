"""Reads of people shared by the pages and the API."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import NotFound

from .models import User

# What a list of walks or reviews shows of each person.
USER_BRIEF = ("user__id", "user__profile__user_id", "user__profile__username", "user__profile__avatar")


def public_user(*, pk: int) -> User:
    """An active user with their profile, for public pages and lists; 404 otherwise."""
    user = (
        User.objects.filter(pk=pk, is_active=True)
        .select_related("profile")
        .only(
            "id",
            "is_active",
            "profile__user_id",
            "profile__username",
            "profile__avatar",
            "profile__bio",
            "profile__links",
        )
        .first()
    )
    if user is None:
        raise NotFound(_("No such user."), code="user_not_found")
    return user


def user_by_handle(*, handle: str) -> User:
    """The active user whose username is ``handle`` (any case); 404 otherwise."""
    user = (
        User.objects.filter(profile__username__iexact=handle, is_active=True)
        .select_related("profile")
        .only("id", "is_active", "profile__user_id", "profile__username", "profile__avatar")
        .first()
    )
    if user is None:
        raise NotFound(_("No such user."), code="user_not_found")
    return user
