"""Reads of walks shared by the pages and the API."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.selectors import USER_BRIEF
from catalog.selectors import TITLE_BRIEF, clean_type
from core.cache import cache_key, cached
from core.errors import Invalid

from .cache import WALK_COUNTS_SECONDS, user_walks_scope, user_watchlist_scope
from .models import Walk, WalkDeletion, WalkState, WalkTally, WatchlistEntry

WALK_FIELDS = ("id", "state", "created_at", "updated_at", "user_id", "title_id")


def clean_state(value, *, required: bool = True, param: str = "state") -> str | None:
    if value in (None, "") and not required:
        return None
    if value not in WalkState.values:
        message = _("Choose a state: %(states)s.") % {"states": ", ".join(WalkState.values)}
        raise Invalid(message, code="invalid_state", errors={param: [message]})
    return value


def user_walks(*, user_id: int, type: str | None = None, state: str | None = None) -> QuerySet[Walk]:
    """A user's walks, newest update first, each with its title."""
    type = clean_type(type, required=False)
    state = clean_state(state, required=False)
    qs = Walk.objects.filter(user_id=user_id)
    if type:
        qs = qs.filter(title__type=type)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("title").only(*WALK_FIELDS, *TITLE_BRIEF).order_by("-updated_at", "-id")


def user_walks_changed(*, user_id: int, since, limit: int) -> tuple[list[Walk], list[WalkDeletion]]:
    """The sync read (core.sync): the user's walks changed at or after
    ``since``, oldest change first, each with its title, and the tombstones
    of those deleted since. Two queries (index ``walk_user_recent``, and
    ``walkdeletion_user_time``); at most ``limit`` + 1 rows each, so that
    the caller can tell "too many"."""
    rows = list(
        Walk.objects.filter(user_id=user_id, updated_at__gte=since)
        .select_related("title")
        .only(*WALK_FIELDS, *TITLE_BRIEF)
        .order_by("updated_at", "id")[: limit + 1]
    )
    deleted = list(
        WalkDeletion.objects.filter(user_id=user_id, deleted_at__gte=since)
        .only("walk_id", "title_id", "deleted_at")
        .order_by("deleted_at", "id")[: limit + 1]
    )
    return rows, deleted


def user_walk_tallies(*, user_id: int) -> dict[tuple[str, str], int]:
    """How many walks the user has of each (type, state).

    Read from the kept counts (walks.tally): one indexed query of at most
    types × states rows, whatever the size of the library, cached under the
    user's walks scope (which the walk services bump), so every state
    filter of the profile is answered from the one entry. (A curator
    changing a title's type moves its walks between types in the tally at
    once, and in this cache after WALK_COUNTS_SECONDS at most: catalog
    cannot bump the walks' scopes.)
    """

    def count() -> dict[tuple[str, str], int]:
        rows = WalkTally.objects.filter(user_id=user_id, count__gt=0).values_list("type", "state", "count")
        return {(type_, state): n for type_, state, n in rows}

    scope = user_walks_scope(user_id)
    return cached(scope, cache_key(scope, "tallies"), count, timeout=WALK_COUNTS_SECONDS)


def user_walk_counts(*, user_id: int, state: str | None = None) -> dict[str, int]:
    """How many walks the user has of each type (in ``state``, given one)."""
    counts: dict[str, int] = {}
    for (type_, state_), n in user_walk_tallies(user_id=user_id).items():
        if state is None or state_ == state:
            counts[type_] = counts.get(type_, 0) + n
    return counts


def title_walks(*, title_id: int, state: str | None = None) -> QuerySet[Walk]:
    """A title's walks, newest update first, each with its person; private
    people's walks are theirs and their approved followers' only, so a
    title's public list leaves them out."""
    state = clean_state(state, required=False)
    qs = Walk.objects.filter(title_id=title_id, user__profile__is_private=False)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("user__profile").only(*WALK_FIELDS, *USER_BRIEF).order_by("-updated_at", "-id")


WATCHLIST_FIELDS = ("id", "added_at", "user_id", "title_id")


def user_watchlist(*, user_id: int, type: str | None = None) -> QuerySet[WatchlistEntry]:
    """A user's watchlist, newest first, each entry with its title."""
    type = clean_type(type, required=False)
    qs = WatchlistEntry.objects.filter(user_id=user_id)
    if type:
        qs = qs.filter(title__type=type)
    return qs.select_related("title").only(*WATCHLIST_FIELDS, *TITLE_BRIEF).order_by("-added_at", "-id")


def watchlist_has(*, user_id: int, title_id: int) -> bool:
    """Whether the title is on the user's watchlist (cached until it changes)."""

    def look() -> bool:
        return WatchlistEntry.objects.filter(user_id=user_id, title_id=title_id).exists()

    scope = user_watchlist_scope(user_id)
    return cached(scope, cache_key(scope, "has", title_id), look, timeout=WALK_COUNTS_SECONDS)
