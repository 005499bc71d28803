"""Walks: a person's state of a title (in progress, completed, 100%)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.selectors import TITLE_BRIEF, title_for_write
from core import sync
from core.cache import bump, bump_existing
from core.db import upsert_returning
from core.errors import Conflict, NotFound

from .cache import title_walks_scope, user_walks_scope, user_watchlist_scope
from .models import Walk, WalkDeletion, WatchlistEntry
from .selectors import WALK_FIELDS, clean_state
from .tally import (
    tally_recount,
    tally_title_forget,
    tally_walk_before,
    tally_walk_change,
    tally_walk_set,
    tally_walk_upserted,
)


def _record_deletions(rows) -> None:
    """Tombstones for the sync read (core.sync): ``rows`` of (user_id, walk_id, title_id)."""
    now = timezone.now()
    WalkDeletion.objects.bulk_create(
        [WalkDeletion(user_id=u, walk_id=w, title_id=t, deleted_at=now) for u, w, t in rows], batch_size=500
    )


def walk_deletions_purge() -> int:
    """Forget the tombstones older than the sync read looks (beat, daily)."""
    deleted, _ = WalkDeletion.objects.filter(deleted_at__lt=sync.tombstones_cutoff()).delete()
    return deleted


def _walks_changed(*, user_id: int, title_id: int, watchlist: bool = False) -> None:
    """Bump the walk's scopes once it commits: one cache round trip (and the
    person's watchlist with them when the write took a title off it)."""
    scopes = (user_walks_scope(user_id), title_walks_scope(title_id))
    if watchlist:
        scopes = (*scopes, user_watchlist_scope(user_id))
    transaction.on_commit(lambda: bump(*scopes))


@transaction.atomic
def walk_upsert(*, user, title_id: int, state: str) -> tuple[Walk, bool]:
    """Create the user's walk of the title or set the state of the one they have.

    The walk answers with the title's brief fields (read with the title's
    existence check) and the row as written: no read after the write."""
    state = clean_state(state)
    title = title_for_write(title_id=title_id, brief=True)
    before = tally_walk_before(user_id=user.pk, title_id=title.pk)
    now = timezone.now()
    walk, created = upsert_returning(
        Walk,
        unique=("user_id", "title_id"),
        values={"user_id": user.pk, "title_id": title.pk, "state": state, "created_at": now, "updated_at": now},
        update=("state", "updated_at"),
    )
    tally_walk_upserted(user_id=user.pk, title_id=title.pk, before=before, created=created, state=state)
    walk.title, walk.user = title, user
    # Starting a walk of a title takes it off the watchlist.
    unlisted = WatchlistEntry.objects.filter(user=user, title=title).delete()[0] > 0
    _walks_changed(user_id=user.pk, title_id=title.pk, watchlist=unlisted)
    return walk, created


def _own_walk(*, user, walk_id: int, with_title: bool = False) -> Walk:
    # Someone else's walk is indistinguishable from a missing one.
    walks = Walk.objects.filter(pk=walk_id, user=user)
    if with_title:  # the title's brief fields, for the answer; only the walk is locked
        walks = walks.select_for_update(of=("self",)).select_related("title").only(*WALK_FIELDS, *TITLE_BRIEF)
    else:
        walks = walks.select_for_update()
    walk = walks.first()
    if walk is None:
        raise NotFound(_("No such walk."), code="walk_not_found")
    return walk


@transaction.atomic
def walk_update(*, user, walk_id: int, state: str) -> Walk:
    """Set the state of the user's walk; it answers with its title's brief
    fields, read with the walk before the write (no read after it)."""
    state = clean_state(state)
    walk = _own_walk(user=user, walk_id=walk_id, with_title=True)
    tally_walk_change(user_id=user.pk, title_id=walk.title_id, old_state=walk.state, new_state=state)
    walk.state = state
    walk.save(update_fields=["state", "updated_at"])
    walk.user = user
    _walks_changed(user_id=user.pk, title_id=walk.title_id)
    return walk


@transaction.atomic
def walk_delete(*, user, walk_id: int) -> None:
    walk = _own_walk(user=user, walk_id=walk_id)
    tally_walk_change(user_id=user.pk, title_id=walk.title_id, old_state=walk.state, new_state=None)
    _record_deletions([(user.pk, walk.pk, walk.title_id)])
    walk.delete()
    _walks_changed(user_id=user.pk, title_id=walk.title_id)


@transaction.atomic
def walk_delete_for_title(*, user, title_id: int) -> bool:
    tally_walk_set(user_id=user.pk, title_id=title_id, state=None)
    ids = list(Walk.objects.select_for_update().filter(user=user, title_id=title_id).values_list("pk", flat=True))
    _record_deletions([(user.pk, pk, title_id) for pk in ids])
    deleted, _ = Walk.objects.filter(pk__in=ids).delete()
    if deleted:
        _walks_changed(user_id=user.pk, title_id=title_id)
    return bool(deleted)


# --- Many at once (imports, account deletion, title merges) -------------------------------


@transaction.atomic
def walks_bulk_upsert(*, user, states: dict[int, str], overwrite: bool = False) -> dict[int, str]:
    """Set the user's walks of many titles in a constant number of queries.

    ``states`` maps title ids (titles that exist) to states. A walk the
    user already has keeps its state unless ``overwrite``. Returns, per
    title, ``"created"``, ``"updated"`` or ``"kept"``. The titles leave the
    watchlist; the scopes are bumped once.
    """
    if not states:
        return {}
    for state in states.values():
        clean_state(state)
    existing = {
        w.title_id: w for w in Walk.objects.filter(user=user, title_id__in=list(states)).only("id", "title_id", "state")
    }
    outcome: dict[int, str] = {}
    new = [Walk(user=user, title_id=tid, state=st) for tid, st in states.items() if tid not in existing]
    # A walk created meanwhile by the person's own click wins over the file.
    Walk.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    outcome.update({w.title_id: "created" for w in new})
    changed = []
    for tid, walk in existing.items():
        if overwrite and walk.state != states[tid]:
            walk.state = states[tid]
            changed.append(walk)
            outcome[tid] = "updated"
        else:
            outcome[tid] = "kept"
    # One UPDATE per state (at most three), whatever the number of walks.
    now = timezone.now()
    for state in {w.state for w in changed}:
        Walk.objects.filter(pk__in=[w.pk for w in changed if w.state == state]).update(state=state, updated_at=now)
    WatchlistEntry.objects.filter(user=user, title_id__in=list(states)).delete()
    tally_recount(user_ids=[user.pk])
    touched = [tid for tid, what in outcome.items() if what != "kept"]
    scopes = (user_walks_scope(user.pk), user_watchlist_scope(user.pk), *(title_walks_scope(t) for t in touched))
    transaction.on_commit(lambda: bump_existing(*scopes))
    return outcome


@transaction.atomic
def walks_forget_title(*, title_id: int) -> int:
    """Tombstones for every walk of a title about to be deleted (its rows go
    with the title, by cascade): the people's apps drop them at their next sync."""
    rows = list(Walk.objects.filter(title_id=title_id).values_list("user_id", "pk"))
    _record_deletions([(u, pk, title_id) for u, pk in rows])
    tally_title_forget(title_id=title_id)
    return len(rows)


@transaction.atomic
def walks_delete_all_for_user(*, user) -> int:
    """Delete every walk of the user (leaving the site: no tombstones, the
    account and so its sync go too)."""
    title_ids = list(Walk.objects.filter(user=user).values_list("title_id", flat=True))
    deleted, _ = Walk.objects.filter(user=user).delete()
    tally_recount(user_ids=[user.pk])
    scopes = (user_walks_scope(user.pk), *(title_walks_scope(t) for t in title_ids))
    transaction.on_commit(lambda: bump_existing(*scopes))
    return deleted


# --- The watchlist ----------------------------------------------------------------------


def _watchlist_changed(*, user_id: int) -> None:
    scope = user_watchlist_scope(user_id)
    transaction.on_commit(lambda: bump(scope))


@transaction.atomic
def watchlist_add(*, user, title_id: int) -> tuple[WatchlistEntry, bool]:
    """Put the title on the user's watchlist (``created`` False when it already was).

    A title the person has started is not "want to": that is a 409.
    """
    title = title_for_write(title_id=title_id)
    if Walk.objects.filter(user=user, title=title).exists():
        raise Conflict(_("You have already started this title."), code="already_walked")
    entry, created = WatchlistEntry.objects.get_or_create(user=user, title=title)
    if created:
        _watchlist_changed(user_id=user.pk)
    return entry, created


@transaction.atomic
def watchlist_remove(*, user, title_id: int) -> bool:
    deleted, _ = WatchlistEntry.objects.filter(user=user, title_id=title_id).delete()
    if deleted:
        _watchlist_changed(user_id=user.pk)
    return bool(deleted)


@transaction.atomic
def watchlist_bulk_add(*, user, title_ids: list[int]) -> dict[int, str]:
    """Add many titles at once: per title ``"created"``, ``"kept"`` (already
    there) or ``"walked"`` (the person has started it, so it is not added)."""
    ids = list(dict.fromkeys(title_ids))
    if not ids:
        return {}
    walked = set(Walk.objects.filter(user=user, title_id__in=ids).values_list("title_id", flat=True))
    there = set(WatchlistEntry.objects.filter(user=user, title_id__in=ids).values_list("title_id", flat=True))
    new = [WatchlistEntry(user=user, title_id=t) for t in ids if t not in walked and t not in there]
    WatchlistEntry.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    if new:
        _watchlist_changed(user_id=user.pk)
    return {t: "walked" if t in walked else "kept" if t in there else "created" for t in ids}


@transaction.atomic
def watchlist_delete_all_for_user(*, user) -> int:
    deleted, _ = WatchlistEntry.objects.filter(user=user).delete()
    _watchlist_changed(user_id=user.pk)
    return deleted


@transaction.atomic
def walks_move_to_title(*, source_id: int, target_id: int) -> int:
    """A title merge: walks and watchlist entries of ``source`` move to
    ``target``; a person who has both keeps the one of ``target``. Returns
    how many walks moved."""
    users = set(Walk.objects.filter(title_id=source_id).values_list("user_id", flat=True))
    have = set(Walk.objects.filter(title_id=target_id).values_list("user_id", flat=True))
    # A moved walk is a change for the sync read; one that goes is a deletion.
    moved = (
        Walk.objects.filter(title_id=source_id)
        .exclude(user_id__in=have)
        .update(title_id=target_id, updated_at=timezone.now())
    )
    gone = list(Walk.objects.filter(title_id=source_id).values_list("user_id", "pk"))
    _record_deletions([(u, pk, source_id) for u, pk in gone])
    Walk.objects.filter(title_id=source_id).delete()
    tally_recount(user_ids=users)
    wanted = set(WatchlistEntry.objects.filter(title_id=source_id).values_list("user_id", flat=True))
    blocked = have | users | set(WatchlistEntry.objects.filter(title_id=target_id).values_list("user_id", flat=True))
    WatchlistEntry.objects.filter(title_id=source_id).exclude(user_id__in=blocked).update(title_id=target_id)
    WatchlistEntry.objects.filter(title_id=source_id).delete()
    scopes = (
        title_walks_scope(source_id),
        title_walks_scope(target_id),
        *(user_walks_scope(u) for u in users),
        *(user_watchlist_scope(u) for u in wanted),
    )
    transaction.on_commit(lambda: bump_existing(*scopes))
    return moved
