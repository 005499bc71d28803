"""Who may change the catalogue: the "Curators" group, staff and superusers."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.user_cache import cached_for_user
from core.errors import Forbidden, NotAuthenticated

CURATORS_GROUP = "Curators"
ACTIONS = {"add": "catalog.add_title", "change": "catalog.change_title", "delete": "catalog.delete_title"}


def can_curate(user, action: str = "change", *, fresh: bool = False) -> bool:
    """Whether ``user`` may ``action`` titles. Pages ask it to show a button,
    from the cache; the check before a write asks ``fresh``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or user.is_superuser or ACTIONS[action] in _catalog_perms(user, fresh=fresh))


def _catalog_perms(user, *, fresh: bool) -> frozenset[str]:
    """The catalogue permissions ``user`` holds, directly or through any of
    their groups, as ``has_perm`` would find them with the ModelBackend (the
    only backend here), but in one query rather than two, and remembered on
    the user object for the rest of the request (as ``has_perm`` does).
    Unless ``fresh``, they come from the user's cache scope, dropped when
    the user's groups or permissions change (a change to a group's own
    permissions shows within accounts.cache.USER_CACHE_SECONDS)."""
    perms = None if fresh else getattr(user, "_catalog_perm_cache", None)
    if perms is None:
        perms = _load(user) if fresh else cached_for_user(user.pk, "catalog-perms", lambda: _load(user))
        user._catalog_perm_cache = perms
    return perms


def _load(user) -> frozenset[str]:
    codenames = [name.split(".", 1)[1] for name in ACTIONS.values()]
    rows = (
        Permission.objects.filter(content_type__app_label="catalog", codename__in=codenames)
        .filter(Q(user=user) | Q(group__user=user))
        .values_list("codename", flat=True)
        .distinct()
    )
    return frozenset(f"catalog.{codename}" for codename in rows)


def catalog_permission_check(*, user, action: str) -> None:
    """Raise unless ``user`` may ``action`` ("add", "change", "delete") titles."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    if not can_curate(user, action, fresh=True):
        raise Forbidden(_("Only curators can change the catalogue."), code="permission_denied")
