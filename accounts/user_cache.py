"""The signed-in user, cached between requests.

Every request loads its user (by the JWT's user id or the session's), and
every page shows the user's profile in the menu. Both come from the shared
cache under the scope ``accounts:user:<id>`` (see core.cache), which is
dropped whenever the user or profile row is saved, when the user's groups
or permissions change, and after the few bulk ``update()`` calls that
bypass ``save()`` (linking's group changes): so a deactivation, a password
change or an unlink takes effect on the next request. The timeout bounds
anything else that writes users behind the ORM's back. Whatever else is
derived from these rows alone (a public profile, a curator's permissions)
is cached in the same scope with :func:`cached_for_user`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from core.cache import bump, cache_key, cached, read_keys

from .cache import USER_CACHE_SECONDS, user_scope


def cached_user(user_id):
    """The user with their profile (``None`` for no such user, active or not), from the cache."""
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    scope = user_scope(user_id)
    return cached(scope, _user_key(scope), lambda: _load(user_id), timeout=USER_CACHE_SECONDS)


def cached_user_keys(user_id: int) -> list[str]:
    """The cache keys :func:`cached_user` reads (for ``core.cache.prefetch``)."""
    scope = user_scope(user_id)
    return read_keys(scope, _user_key(scope))


def _user_key(scope: str) -> str:
    return cache_key(scope, "user")


def cached_for_user(user_id: int, purpose: str, compute: Callable):
    """Something derived from the user's rows only (a public profile, their
    permissions), cached until one of them changes."""
    scope = user_scope(user_id)
    return cached(scope, cache_key(scope, purpose), compute, timeout=USER_CACHE_SECONDS)


def _load(user_id: int):
    from .models import User

    return User.objects.select_related("profile").filter(pk=user_id).first()


def users_changed(*user_ids) -> None:
    """Users were written: forget their cached copies now, for the rest of
    this transaction, and again once it commits, in case another request
    cached the old row in between."""
    scopes = [user_scope(pk) for pk in user_ids]
    bump(*scopes)
    transaction.on_commit(lambda: bump(*scopes))


def user_saved(sender, instance, **kwargs) -> None:
    """post_save/post_delete of a user."""
    users_changed(instance.pk)


def profile_saved(sender, instance, **kwargs) -> None:
    """post_save/post_delete of a profile: the menu shows it."""
    users_changed(instance.user_id)


def memberships_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """m2m_changed of users' groups or permissions, from either side
    (``user.groups.add(g)`` or ``group.user_set.add(u)``)."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            users_changed(instance.pk)
    elif action in ("post_add", "post_remove"):
        users_changed(*pk_set)
    elif action == "pre_clear":  # afterwards nobody knows whose they were
        # The through model's link to the group or permission is named after it.
        users = sender.objects.filter(**{instance._meta.model_name: instance}).values_list("user_id", flat=True)
        users_changed(*users)
