"""Put the answer of the measured provider search in the provider-search cache.

    python bench/provider_cache.py     (with the production environment)

The bench has no network (bench/settings.py points every provider at a
closed port), so the ``provider_search`` case measures what it is meant to:
a search answered from the shared cache. The answer is twenty films in the
shape an adapter returns (``ProviderResult``), stored under the key
``catalog.providers.provider_search`` reads, for each language a request may
carry. ``bench/run.py`` calls this right before the wrk cases and
``bench/queries.py`` after every cache wipe of its cold runs (there, "cold"
is every cache but this one: a cold provider search is a network call).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

QUERY = "dragon"
TYPE = "film"
PATH = f"/api/v1/providers/search?type={TYPE}&q={QUERY}"


def seed() -> int:
    """Store the answer; the number of results stored."""
    from django.conf import settings
    from django.core.cache import cache

    from catalog.providers import SEARCH_CACHE_SECONDS, ProviderResult, _search_key, providers_for

    adapter = providers_for(TYPE)[0]
    results = [
        ProviderResult(
            provider=adapter.name,
            external_id=str(900_000 + i),
            type=TYPE,
            name=f"The {QUERY.capitalize()} {i + 1}",
            release_year=1990 + i,
            description="A film the bench's provider cache knows.",
            cover_url=f"{adapter.image_url}/bench-{i}.jpg",
        ).as_dict()
        for i in range(20)
    ]
    for language, _name in settings.LANGUAGES:
        cache.set(_search_key(adapter.name, TYPE, QUERY, None, language), results, SEARCH_CACHE_SECONDS)
    return len(results)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    print(f"provider cache: {seed()} results for {QUERY!r} ({TYPE})")


if __name__ == "__main__":
    main()
