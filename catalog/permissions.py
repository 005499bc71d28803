"""Who may change the catalogue: the "Curators" group, staff and superusers."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import Q
from django.utils.translation import gettext as _

from core.errors import Forbidden, NotAuthenticated

CURATORS_GROUP = "Curators"
ACTIONS = {"add": "catalog.add_title", "change": "catalog.change_title", "delete": "catalog.delete_title"}


def can_curate(user, action: str = "change") -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or user.is_superuser or ACTIONS[action] in _catalog_perms(user))


def _catalog_perms(user) -> frozenset[str]:
    """The catalogue permissions ``user`` holds, directly or through any of
    their groups, as ``has_perm`` would find them with the ModelBackend (the
    only backend here), but in one query rather than two, and remembered on
    the user object for the rest of the request (as ``has_perm`` does)."""
    perms = getattr(user, "_catalog_perm_cache", None)
    if perms is None:
        codenames = [name.split(".", 1)[1] for name in ACTIONS.values()]
        rows = (
            Permission.objects.filter(content_type__app_label="catalog", codename__in=codenames)
            .filter(Q(user=user) | Q(group__user=user))
            .values_list("codename", flat=True)
            .distinct()
        )
        perms = frozenset(f"catalog.{codename}" for codename in rows)
        user._catalog_perm_cache = perms
    return perms


def catalog_permission_check(*, user, action: str) -> None:
    """Raise unless ``user`` may ``action`` ("add", "change", "delete") titles."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    if not can_curate(user, action):
        raise Forbidden(_("Only curators can change the catalogue."), code="permission_denied")
