"""Walks: a person's state of a title (in progress, completed, 100%)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from catalog.selectors import title_for_write
from core.cache import bump
from core.errors import NotFound

from .cache import title_walks_scope, user_walks_scope
from .models import Walk
from .selectors import clean_state


def _walks_changed(*, user_id: int, title_id: int) -> None:
    scopes = (user_walks_scope(user_id), title_walks_scope(title_id))
    transaction.on_commit(lambda: bump(*scopes))


@transaction.atomic
def walk_upsert(*, user, title_id: int, state: str) -> tuple[Walk, bool]:
    """Create the user's walk of the title or set the state of the one they have."""
    state = clean_state(state)
    title = title_for_write(title_id=title_id)
    walk, created = Walk.objects.update_or_create(user=user, title=title, defaults={"state": state})
    _walks_changed(user_id=user.pk, title_id=title.pk)
    return walk, created


def _own_walk(*, user, walk_id: int) -> Walk:
    # Someone else's walk is indistinguishable from a missing one.
    walk = Walk.objects.select_for_update().filter(pk=walk_id, user=user).first()
    if walk is None:
        raise NotFound(_("No such walk."), code="walk_not_found")
    return walk


@transaction.atomic
def walk_update(*, user, walk_id: int, state: str) -> Walk:
    state = clean_state(state)
    walk = _own_walk(user=user, walk_id=walk_id)
    walk.state = state
    walk.save(update_fields=["state", "updated_at"])
    _walks_changed(user_id=user.pk, title_id=walk.title_id)
    return walk


@transaction.atomic
def walk_delete(*, user, walk_id: int) -> None:
    walk = _own_walk(user=user, walk_id=walk_id)
    walk.delete()
    _walks_changed(user_id=user.pk, title_id=walk.title_id)


@transaction.atomic
def walk_delete_for_title(*, user, title_id: int) -> bool:
    deleted, _ = Walk.objects.filter(user=user, title_id=title_id).delete()
    if deleted:
        _walks_changed(user_id=user.pk, title_id=title_id)
    return bool(deleted)
