"""Reads of the catalogue shared by the pages and the API."""

from __future__ import annotations

import difflib
import hashlib

from django.core.cache import cache
from django.db import connections
from django.db.models import F, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from core.cache import cache_key, cached
from core.errors import Invalid, NotFound

from .cache import (
    COUNT_CACHE_SECONDS,
    SEARCH_COUNT_CACHE_SECONDS,
    TITLE_CACHE_SECONDS,
    title_count_key,
    title_scope,
    title_search_count_key,
)
from .models import Title, TitleType
from .names import name_key

SEARCH_MAX_LENGTH = 100
MAX_ID = 2**63 - 1

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

# What a list of walks or reviews shows of each title.
TITLE_BRIEF = (
    "title__id",
    "title__name",
    "title__type",
    "title__release_year",
    "title__cover",
    "title__rating",
    "title__rating_count",
)


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
        qs = _searched(qs, search)
    return qs.order_by(*TITLE_ORDERINGS[ordering])


# The typo fallback of SQLite compares this many candidates in Python at most.
TYPO_CANDIDATES = 2000
TYPO_RATIO = 0.75


def _searched(qs: QuerySet[Title], search: str) -> QuerySet[Title]:
    """Titles whose folded name (case, accents, punctuation, a leading
    article: ``Title.name_key``) contains every folded word of the search, in
    any order ("god father" finds The Godfather). When nothing does, one typo
    is tolerated: trigram word similarity on PostgreSQL (the GIN index over
    ``(type, name_key gin_trgm_ops)``), difflib over a bounded set of
    candidates sharing a trigram with the search on SQLite."""
    words = name_key(search).split() or search.casefold().split()
    if not words:
        return qs
    matched = qs.filter(*[Q(name_key__contains=word) for word in words])
    if matched.exists():
        return matched
    if connections[qs.db].vendor == "postgresql":
        # %> (word similarity ≥ 0.6: a typo inside a longer name) or % (whole
        # similarity ≥ 0.3: a typo in a short one); both served by the index.
        folded = " ".join(words)
        return qs.filter(Q(name_key__trigram_word_similar=folded) | Q(name_key__trigram_similar=folded))
    return qs.filter(pk__in=_close_matches(qs, words))


def _close_matches(qs: QuerySet[Title], words: list[str]) -> list[int]:
    grams = {word[i : i + 3] for word in words for i in range(max(1, len(word) - 2))}
    any_gram = Q()
    for gram in sorted(grams)[:24]:
        any_gram |= Q(name_key__contains=gram)
    found = []
    for pk, key in qs.filter(any_gram).values_list("pk", "name_key")[:TYPO_CANDIDATES]:
        name_words = key.split()
        if all(
            any(word in w or difflib.SequenceMatcher(None, word, w).ratio() >= TYPO_RATIO for w in name_words)
            for word in words
        ):
            found.append(pk)
    return found


def _search_count_key(type: str, search: str) -> str:
    return title_search_count_key(type, hashlib.sha256(search.lower().encode()).hexdigest()[:32])


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
    key = title_count_key(type)
    count = cache.get(key)
    if count is None:
        count = queryset.order_by().count()
        cache.set(key, count, COUNT_CACHE_SECONDS)
    return count


def title_count_forget(*types: str) -> None:
    cache.delete_many([title_count_key(t) for t in types if t])


def title_get(*, pk: int) -> Title:
    try:
        return Title.objects.get(pk=pk)
    except Title.DoesNotExist:
        raise NotFound(_("No such title."), code="title_not_found") from None


def title_cached(*, pk: int) -> Title:
    """The title from the cache, until it (or its rating) changes."""
    scope = title_scope(pk)
    return cached(
        scope, cache_key(scope), lambda: title_with_external_ids(title_get(pk=pk)), timeout=TITLE_CACHE_SECONDS
    )


def title_with_external_ids(title: Title) -> Title:
    """``title`` with its external ids loaded (they are cached with it; their writes bump its scope)."""
    prefetch_related_objects([title], "external_ids")
    return title


def clean_id(value, *, field: str) -> int:
    if type(value) is not int or not 0 < value <= MAX_ID:
        message = _("Send the id as a whole number.")
        raise Invalid(f"{field}: {message}", code="invalid", errors={field: [message]})
    return value


def title_for_write(*, title_id, brief: bool = False) -> Title:
    """The title a walk or review is about; unknown ids are a 400 on the ``title_id`` field.
    ``brief``: with the fields of :data:`TITLE_BRIEF` (what an answer embeds), in the same query."""
    title_id = clean_id(title_id, field="title_id")
    fields = [f.removeprefix("title__") for f in TITLE_BRIEF] if brief else ["id"]
    title = Title.objects.filter(pk=title_id).only(*fields).first()
    if title is None:
        message = _("No title has this id.")
        raise Invalid(f"title_id: {message}", code="title_not_found", errors={"title_id": [message]})
    return title
