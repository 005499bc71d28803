"""The catalogue's cache scopes and timeouts (see core.cache).

Only the catalogue's services bump these; a reader that depends on a title
composes :func:`title_scope` with the scopes of the other apps it reads.
"""

from __future__ import annotations

# Lists of titles (API and pages) are cached per type and dropped when a
# title of the type is added, changed or removed. A new rating does not drop
# them (under a stream of reviews nothing would stay cached): lists show it
# within this many seconds, the title itself at once.
TITLE_LIST_CACHE_SECONDS = 60
TITLE_CACHE_SECONDS = 600
# A title's detail as one caller sees it (with their walk and review): every
# part is dropped by its writer's bump; this bounds a missed one, as the
# caller's own walk and review are bounded (catalog.title_page).
TITLE_DETAIL_CACHE_SECONDS = 60
# Counting a whole type is kept this long (dropped when a title is added,
# retyped or deleted); a search's count this long (never dropped).
COUNT_CACHE_SECONDS = 60
SEARCH_COUNT_CACHE_SECONDS = 20


def title_list_scope(type: str) -> str:
    """The lists of titles of ``type``."""
    return f"catalog:titles:{type}"


def title_scope(pk: int) -> str:
    """One title: bumped by every change to it, its rating and its deletion included."""
    return f"catalog:title:{pk}"


def title_count_key(type: str) -> str:
    return f"catalog:title-count:{type}"


def title_search_count_key(type: str, digest: str) -> str:
    return f"catalog:title-search-count:{type}:{digest}"
