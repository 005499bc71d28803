"""Who may change the catalogue: the "Curators" group, staff and superusers."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import Forbidden, NotAuthenticated

CURATORS_GROUP = "Curators"
ACTIONS = {"add": "catalog.add_title", "change": "catalog.change_title", "delete": "catalog.delete_title"}


def can_curate(user, action: str = "change") -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or user.is_superuser or user.has_perm(ACTIONS[action]))


def catalog_permission_check(*, user, action: str) -> None:
    """Raise unless ``user`` may ``action`` ("add", "change", "delete") titles."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated()
    if not can_curate(user, action):
        raise Forbidden(_("Only curators can change the catalogue."), code="permission_denied")
