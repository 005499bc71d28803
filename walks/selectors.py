"""Reads of walks shared by the pages and the API."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from catalog.selectors import clean_type
from core.errors import NotFound

from .models import Walk
from .services import clean_state

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


def user_walks_scope(user_id: int) -> str:
    """The cache scope of what is cached about a user's walks (see core.cache);
    walks.services bumps it whenever one of the user's walks changes."""
    return f"walks:user:{user_id}"


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
    """How many walks the user has of each type (one query)."""
    qs = Walk.objects.filter(user_id=user_id)
    if state:
        qs = qs.filter(state=state)
    rows = qs.values("title__type").annotate(n=Count("id")).order_by()
    return {row["title__type"]: row["n"] for row in rows}


def title_walks(*, title_id: int, state: str | None = None) -> QuerySet[Walk]:
    """A title's walks, newest update first, each with its person."""
    state = clean_state(state, required=False)
    qs = Walk.objects.filter(title_id=title_id)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("user__profile").only(*WALK_FIELDS, *USER_BRIEF).order_by("-updated_at", "-id")
