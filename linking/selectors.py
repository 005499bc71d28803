"""Reads shared by the pages, the layout hooks and the API. Each is one query
(none at all for an account without a group)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User

from .models import LinkSecret


def group_members(user: User) -> QuerySet[User]:
    """The other active accounts of ``user``'s group, oldest first."""
    if not user.is_authenticated or not user.group_uuid:
        return User.objects.none()
    return (
        User.objects.filter(group_uuid=user.group_uuid, is_active=True)
        .exclude(pk=user.pk)
        .select_related("profile")
        .order_by("pk")
    )


def offers_incoming(user: User) -> QuerySet[LinkSecret]:
    """Open offers waiting for ``user``'s answer, newest first."""
    return (
        LinkSecret.objects.pending()
        .filter(target_user=user, source_user__is_active=True)
        .select_related("source_user__profile")
        .order_by("-created_at")
    )


def offers_outgoing(user: User) -> QuerySet[LinkSecret]:
    """Open offers ``user`` made, newest first. Each names the address ``user``
    typed, never the account behind it (there may be none)."""
    return LinkSecret.objects.pending().filter(source_user=user).order_by("-created_at")
