"""Metadata providers: one adapter module each, behind one interface (base.py).

``providers_for(type)`` gives the configured providers of a title type (a
provider without credentials is absent), ``provider_get(name)`` one of them,
and ``provider_search`` a search answered from the shared cache for an hour.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.utils.translation import gettext as _

from core.errors import Invalid, NotFound

from .anilist import AniList
from .base import MetadataProvider, ProviderResult, ProviderUnavailable
from .igdb import IGDB
from .tmdb import TMDB

__all__ = [
    "MetadataProvider",
    "ProviderResult",
    "ProviderUnavailable",
    "provider_get",
    "provider_search",
    "providers_all",
    "providers_for",
]

SEARCH_CACHE_SECONDS = 60 * 60
ADAPTERS: tuple[type[MetadataProvider], ...] = (TMDB, IGDB, AniList)
_instances: dict[str, MetadataProvider] = {}


def _instance(cls: type[MetadataProvider]) -> MetadataProvider:
    # One instance per process: it holds the connection pools and the rate-limit spacing.
    if cls.name not in _instances:
        _instances[cls.name] = cls()
    return _instances[cls.name]


def providers_all() -> list[MetadataProvider]:
    """Every configured provider."""
    return [_instance(cls) for cls in ADAPTERS if cls.configured()]


def providers_for(type: str) -> list[MetadataProvider]:
    """The configured providers of titles of ``type``."""
    return [p for p in providers_all() if type in p.types]


def provider_get(name: str, *, type: str | None = None) -> MetadataProvider:
    for provider in providers_all():
        if provider.name == name and (type is None or type in provider.types):
            return provider
    message = _("This provider is not configured here.")
    raise NotFound(message, code="provider_not_configured", errors={"provider": [message]})


def _search_key(provider: str, type: str, query: str, year: int | None, language: str) -> str:
    digest = hashlib.sha256("\x1f".join([provider, type, query.lower(), str(year), language]).encode()).hexdigest()
    return f"catalog:provider-search:{digest[:32]}"


def provider_search(
    provider: MetadataProvider, *, type: str, query: str, year: int | None = None, language: str = "en"
) -> list[ProviderResult]:
    """The provider's results, from the shared cache for an hour (failures are not cached)."""
    query = " ".join(query.split())
    if not query:
        raise Invalid(_("Type something to search for."), code="search_required")
    key = _search_key(provider.name, type, query, year, language)
    found = cache.get(key)
    if found is not None:
        return [ProviderResult.from_dict(item) for item in found]
    results = provider.search(type=type, query=query, year=year, language=language)
    cache.set(key, [r.as_dict() for r in results], SEARCH_CACHE_SECONDS)
    return results
