"""Reads of walks shared by the pages and the API."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from catalog.selectors import clean_type
from core.cache import cache_key, cached
from core.errors import NotFound

from .models import Walk
from .services import clean_state, user_walks_scope

TITLE_BRIEF = (
    "title__id",
    "title__name",
    "title__type",
    "title__release_year",
    "title__cover",
    "title__rating",
    "title__rating_count",
)
USER_BRIEF = ("user__id", "user__profile__user_id", "user__profile__username", "user__profile__avatar")
WALK_FIELDS = ("id", "state", "created_at", "updated_at", "user_id", "title_id")
# The walk services make a user's counts stale when they write; a title that
# changes type (a curator's rare edit) or is deleted changes them without a
# walk service, and this bounds how long a count can be off.
WALK_COUNTS_SECONDS = 10 * 60


def public_user(*, pk: int):
    """An active user with their profile, for public pages and lists; 404 otherwise."""
    user = (
        get_user_model()
        .objects.filter(pk=pk, is_active=True)
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


def user_walk_counts(*, user_id: int, state: str | None = None) -> dict[str, int]:
    """How many walks the user has of each type.

    A GROUP BY over all the user's walks joined to their titles (tens of
    milliseconds for thousands of walks), so it is cached under the user's
    walks scope, which the walk services bump.
    """

    def count() -> dict[str, int]:
        qs = Walk.objects.filter(user_id=user_id)
        if state:
            qs = qs.filter(state=state)
        rows = qs.values("title__type").annotate(n=Count("id")).order_by()
        return {row["title__type"]: row["n"] for row in rows}

    scope = user_walks_scope(user_id)
    return cached(scope, cache_key(scope, "counts", state or ""), count, timeout=WALK_COUNTS_SECONDS)


def title_walks(*, title_id: int, state: str | None = None) -> QuerySet[Walk]:
    """A title's walks, newest update first, each with its person."""
    state = clean_state(state, required=False)
    qs = Walk.objects.filter(title_id=title_id)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("user__profile").only(*WALK_FIELDS, *USER_BRIEF).order_by("-updated_at", "-id")
