"""Reads of the catalogue shared by the pages and the API."""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from core.cache import cache_key, cached
from core.errors import Invalid

from .models import Title, TitleType

SEARCH_MAX_LENGTH = 100
COUNT_CACHE_SECONDS = 60
SEARCH_COUNT_CACHE_SECONDS = 20

# Every ordering ends with the id in the same direction, so pages never
# overlap or skip titles with equal keys; unrated titles come last both ways.
TITLE_ORDERINGS: dict[str, tuple] = {
    "id": ("id",),
    "-id": ("-id",),
    "release_year": ("release_year", "id"),
    "-release_year": ("-release_year", "-id"),
    "rating": (F("rating").asc(nulls_last=True), "id"),
    "-rating": (F("rating").desc(nulls_last=True), "-id"),
}


# Lists of titles (API and pages) are cached per type and dropped when a
# title of the type is added, changed or removed. A new rating does not drop
# them (under a stream of reviews nothing would stay cached): lists show it
# within this many seconds, the title itself at once.
TITLE_LIST_CACHE_SECONDS = 60
TITLE_CACHE_SECONDS = 600
# A person's own walk and review of a title; walks and reviews edited in the
# admin bump no person's scope, so they show within this.
MINE_CACHE_SECONDS = 60


def title_list_scope(type: str) -> str:
    """The cache scope of the lists of titles of ``type`` (see core.cache)."""
    return f"catalog:titles:{type}"


def clean_type(value: str | None, *, required: bool, param: str = "type") -> str | None:
    """A title type from a query string: ``None`` when absent and optional."""
    if value in (None, ""):
        if required:
            message = _("Choose a type: %(types)s.") % {"types": ", ".join(TitleType.values)}
            raise Invalid(message, code="type_required", errors={param: [message]})
        return None
    if value not in TitleType.values:
        message = _("Unknown type. Use one of: %(types)s.") % {"types": ", ".join(TitleType.values)}
        raise Invalid(message, code="invalid_type", errors={param: [message]})
    return value


def clean_search(value: str | None) -> str:
    value = (value or "").strip()
    if len(value) > SEARCH_MAX_LENGTH:
        message = _("Search for at most %(n)d characters.") % {"n": SEARCH_MAX_LENGTH}
        raise Invalid(message, code="search_too_long", errors={"search": [message]})
    if "\x00" in value:
        message = _("The search contains characters that are not allowed.")
        raise Invalid(message, code="invalid_search", errors={"search": [message]})
    return value


def clean_ordering(value: str | None, *, choices=TITLE_ORDERINGS, default: str = "id") -> str:
    if value in (None, ""):
        return default
    if value not in choices:
        message = _("Unknown ordering. Use one of: %(orderings)s.") % {"orderings": ", ".join(choices)}
        raise Invalid(message, code="invalid_ordering", errors={"ordering": [message]})
    return value


def title_list(*, type: str | None, search: str | None = None, ordering: str | None = None) -> QuerySet[Title]:
    """Titles of one type (never mixed), optionally searched by name, ordered.

    Raises :class:`Invalid` (``type_required``, ``invalid_type``,
    ``invalid_ordering``, ``search_too_long``) for bad parameters.
    """
    type = clean_type(type, required=True)
    search = clean_search(search)
    ordering = clean_ordering(ordering)
    qs = Title.objects.filter(type=type)
    if search:
        # type = ... AND UPPER(name) LIKE UPPER('%...%'): both served by one scan of
        # the GIN index over (type, UPPER(name) gin_trgm_ops) on PostgreSQL.
        qs = qs.filter(name__icontains=search)
    return qs.order_by(*TITLE_ORDERINGS[ordering])


def _count_key(type: str) -> str:
    return f"catalog:title-count:{type}"


def _search_count_key(type: str, search: str) -> str:
    digest = hashlib.sha256(search.lower().encode()).hexdigest()[:32]
    return f"catalog:title-search-count:{type}:{digest}"


def title_count(*, type: str, search: str | None, queryset: QuerySet[Title]) -> int:
    """The number of titles a listing has.

    Counting a whole type means counting a quarter of the catalogue on every
    page view; that figure is cached briefly (and dropped when a title is
    added, retyped or deleted). A search's count costs a second trigram scan
    on every page of it, so it is kept for a few seconds too: someone paging
    through results counts once. It is not dropped on writes (its key is
    the search's), so a title added or renamed may be missing from the
    count, and from the list's last page, for those seconds.
    """
    search = (search or "").strip()
    if search:
        key = _search_count_key(type, search)
        count = cache.get(key)
        if count is None:
            count = queryset.order_by().count()
            cache.set(key, count, SEARCH_COUNT_CACHE_SECONDS)
        return count
    key = _count_key(type)
    count = cache.get(key)
    if count is None:
        count = queryset.order_by().count()
        cache.set(key, count, COUNT_CACHE_SECONDS)
    return count


def title_count_forget(*types: str) -> None:
    cache.delete_many([_count_key(t) for t in types if t])


def title_scope(pk: int) -> str:
    """The cache scope of one title (see core.cache): bumped by every change
    to the title, its rating included."""
    return f"catalog:title:{pk}"


def title_with_mine(*, pk: int, user):
    """The title and the caller's own walk and review of it (``None`` when
    they have none), from the cache: the title until it changes, the walk
    and review until the caller writes one of theirs."""
    from reviews.models import Review
    from reviews.selectors import user_reviews_scope
    from walks.models import Walk
    from walks.services import user_walks_scope

    from .services import title_get

    scope = title_scope(pk)
    title = cached(scope, cache_key(scope), lambda: title_get(pk=pk), timeout=TITLE_CACHE_SECONDS)
    if user is None or not user.is_authenticated:
        return title, None, None

    def mine():
        walk = Walk.objects.filter(title_id=title.pk, user=user).first()
        review = Review.objects.filter(title_id=title.pk, user=user).first()
        return walk, review

    scopes = (user_walks_scope(user.pk), user_reviews_scope(user.pk))
    walk, review = cached(scopes, cache_key(scopes[0], "mine", pk), mine, timeout=MINE_CACHE_SECONDS)
    return title, walk, review
