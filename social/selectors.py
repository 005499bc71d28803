"""Who may see whom, follow lists and the feed."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet, Value
from django.db.models.fields import CharField
from django.utils.translation import gettext as _

from accounts.cache import user_scope
from accounts.models import User
from accounts.selectors import PERSON_FIELDS
from catalog.selectors import TITLE_BRIEF
from core.cache import cache_key, cached
from core.errors import Forbidden
from reviews.models import Review
from reviews.selectors import REVIEW_FIELDS
from walks.models import Walk
from walks.selectors import WALK_FIELDS

from .cache import VISIBILITY_SECONDS, social_scope
from .models import Block, Follow, FollowStatus, Preferences

FEED_PAGE_SIZE = 20
FEED_MAX_PAGE = 500


def can_see(viewer, owner: User) -> bool:
    """Whether ``viewer`` (a user, anonymous or not) may see ``owner``'s walks,
    reviews, watchlist, statistics and feed entries.

    The owner always; nobody the owner blocked; anyone when the profile is
    public; an approved follower when it is private. ``owner`` comes with its
    profile. Cached per viewer under the owner's user scope (the private flag)
    and social scope (follows and blocks).
    """
    if viewer is not None and viewer.is_authenticated and viewer.pk == owner.pk:
        return True
    if viewer is None or not viewer.is_authenticated:
        return not owner.profile.is_private
    is_private = owner.profile.is_private

    def decide() -> bool:
        if Block.objects.filter(blocker_id=owner.pk, blocked_id=viewer.pk).exists():
            return False
        if not is_private:
            return True
        return Follow.objects.filter(follower_id=viewer.pk, followee_id=owner.pk, status=FollowStatus.APPROVED).exists()

    scopes = (user_scope(owner.pk), social_scope(owner.pk))
    return cached(scopes, cache_key(scopes[1], "can_see", viewer.pk, is_private), decide, timeout=VISIBILITY_SECONDS)


def visible_or_403(viewer, owner: User) -> None:
    """The one check every door of a person's walks, reviews, statistics,
    lists and year page makes: a 403 (``profile_private``) unless :func:`can_see`."""
    if not can_see(viewer, owner):
        raise Forbidden(_("This profile is private."), code="profile_private")


@dataclass(frozen=True)
class Relation:
    """What the viewer's buttons on someone's profile show."""

    follow: str | None  # None, "pending" or "approved"
    blocked: bool  # the viewer blocked them
    followers: int
    following: int
    requests: int  # pending requests to them (shown to themselves)


def relation(*, viewer, owner_id: int) -> Relation:
    """Counts and the viewer's standing towards ``owner_id``: three queries, cached
    under both people's social scopes."""
    viewer_id = viewer.pk if viewer is not None and viewer.is_authenticated else None

    def compute() -> Relation:
        follow = block = None
        if viewer_id and viewer_id != owner_id:
            follow = (
                Follow.objects.filter(follower_id=viewer_id, followee_id=owner_id)
                .values_list("status", flat=True)
                .first()
            )
            block = Block.objects.filter(blocker_id=viewer_id, blocked_id=owner_id).exists()
        counts = {row["status"]: row["n"] for row in _count_by_status(Follow.objects.filter(followee_id=owner_id))}
        following = Follow.objects.filter(follower_id=owner_id, status=FollowStatus.APPROVED).count()
        return Relation(
            follow=follow,
            blocked=bool(block),
            followers=counts.get(FollowStatus.APPROVED, 0),
            following=following,
            requests=counts.get(FollowStatus.PENDING, 0),
        )

    scopes = [social_scope(owner_id)] + ([social_scope(viewer_id)] if viewer_id else [])
    return cached(scopes, cache_key(scopes[0], "relation", viewer_id), compute, timeout=VISIBILITY_SECONDS)


def _count_by_status(qs):
    return qs.values("status").annotate(n=Count("id")).order_by()


def followers(*, user_id: int, status: str = FollowStatus.APPROVED) -> QuerySet[Follow]:
    """The people who follow ``user_id`` (or asked to), newest first, with their profiles."""
    return (
        Follow.objects.filter(followee_id=user_id, status=status, follower__is_active=True)
        .select_related("follower__profile")
        .only("id", "status", "created_at", "follower_id", "followee_id", *_person("follower"))
        .order_by("-created_at", "-id")
    )


def following(*, user_id: int) -> QuerySet[Follow]:
    """The people ``user_id`` follows (approved), newest first, with their profiles."""
    return (
        Follow.objects.filter(follower_id=user_id, status=FollowStatus.APPROVED, followee__is_active=True)
        .select_related("followee__profile")
        .only("id", "status", "created_at", "follower_id", "followee_id", *_person("followee"))
        .order_by("-created_at", "-id")
    )


def _person(prefix: str) -> list[str]:
    return [f"{prefix}__{field}" for field in PERSON_FIELDS]


def preferences(*, user_id: int) -> Preferences:
    """The person's e-mail preferences (the defaults when they never changed them)."""
    return Preferences.objects.filter(user_id=user_id).first() or Preferences(user_id=user_id)


# --- the feed ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEntry:
    kind: str  # "walk" or "review"
    item: Walk | Review


@dataclass(frozen=True)
class FeedPage:
    entries: list[FeedEntry]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def feed_page(*, user_id: int, number: int = 1, per_page: int = FEED_PAGE_SIZE) -> FeedPage:
    """The walks and reviews of the people ``user_id`` follows (approved
    follows only, so a private person's entries reach only the followers they
    approved, and a block, which ends follows, stops them), newest first.

    Three queries whatever the page or the number of people followed: the
    page's (kind, id) from a UNION of both tables ordered by time, then its
    walks and its reviews with their titles and people. Pages go by number
    with one row looked ahead instead of a count.
    """
    number = max(1, min(int(number), FEED_MAX_PAGE))
    followed = Follow.objects.filter(follower_id=user_id, status=FollowStatus.APPROVED).values("followee_id")
    kind = CharField(max_length=6)
    walks = Walk.objects.filter(user_id__in=followed, user__is_active=True).values_list(
        Value("walk", output_field=kind), "id", "updated_at"
    )
    reviews = Review.objects.filter(user_id__in=followed, user__is_active=True).values_list(
        Value("review", output_field=kind), "id", "updated_at"
    )
    offset = (number - 1) * per_page
    rows = list(walks.union(reviews, all=True).order_by("-updated_at", "-id")[offset : offset + per_page + 1])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    walk_ids = [pk for k, pk, _at in rows if k == "walk"]
    review_ids = [pk for k, pk, _at in rows if k == "review"]
    person = ("user__id", "user__profile__user_id", "user__profile__username", "user__profile__avatar")
    found = {}
    if walk_ids:
        for w in (
            Walk.objects.filter(pk__in=walk_ids)
            .select_related("title", "user__profile")
            .only(*WALK_FIELDS, *TITLE_BRIEF, *person)
        ):
            found[("walk", w.pk)] = w
    if review_ids:
        for r in (
            Review.objects.filter(pk__in=review_ids)
            .select_related("title", "user__profile")
            .only(*REVIEW_FIELDS, *TITLE_BRIEF, *person)
        ):
            found[("review", r.pk)] = r
    entries = [FeedEntry(kind=k, item=found[(k, pk)]) for k, pk, _at in rows if (k, pk) in found]
    return FeedPage(entries=entries, number=number, has_next=has_next)
