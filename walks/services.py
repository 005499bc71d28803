"""Walks: a person's state of a title (in progress, completed, 100%)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Title
from core.cache import bump
from core.errors import Invalid, NotFound

from .models import Walk, WalkState

MAX_ID = 2**63 - 1


def clean_state(value, *, required: bool = True, param: str = "state") -> str | None:
    if value in (None, "") and not required:
        return None
    if value not in WalkState.values:
        message = _("Choose a state: %(states)s.") % {"states": ", ".join(WalkState.values)}
        raise Invalid(message, code="invalid_state", errors={param: [message]})
    return value


def clean_id(value, *, field: str) -> int:
    if type(value) is not int or not 0 < value <= MAX_ID:
        message = _("Send the id as a whole number.")
        raise Invalid(f"{field}: {message}", code="invalid", errors={field: [message]})
    return value


def user_walks_scope(user_id: int) -> str:
    """The cache scope of what is cached about a user's walks (see
    core.cache): their counts and lists. Every service here that writes one
    of the user's walks bumps it once the write has committed."""
    return f"walks:user:{user_id}"


def title_walks_scope(title_id: int) -> str:
    """The cache scope of a title's lists of walks (see core.cache); bumped
    like :func:`user_walks_scope`."""
    return f"walks:title:{title_id}"


def _walks_changed(*, user_id: int, title_id: int) -> None:
    scopes = (user_walks_scope(user_id), title_walks_scope(title_id))
    transaction.on_commit(lambda: bump(*scopes))


def title_for_write(*, title_id) -> Title:
    """The title a walk or review is about; unknown ids are a 400 on the ``title_id`` field."""
    title_id = clean_id(title_id, field="title_id")
    title = Title.objects.filter(pk=title_id).only("id").first()
    if title is None:
        message = _("No title has this id.")
        raise Invalid(f"title_id: {message}", code="title_not_found", errors={"title_id": [message]})
    return title


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
