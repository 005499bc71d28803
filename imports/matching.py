"""Rows of a file matched to the catalogue, a batch at a time, in a constant
number of queries: one per external-id provider the batch has, one for the
names (``Title.name_key IN (...)``, served by the (type, name_key,
release_year) index).

Order: the external id (IMDb ``tt``, MyAnimeList id) where a title carries
it; then type + folded name + year (±1 for films: festival and release
dates differ between sites); a row without a year matches on the name alone
when a title of that type has it (the oldest such title, so it is stable).
The metadata providers are not asked here (not built yet).
"""

from __future__ import annotations

from collections import defaultdict

from catalog.models import ExternalId, Provider, Title
from catalog.names import name_key

from .sources.base import Row


def _keys(row: Row) -> list[str]:
    keys = [name_key(row.name)]
    if row.alt_name:
        keys.append(name_key(row.alt_name))
    return [k for k in dict.fromkeys(keys) if k]


def match_rows(rows: list[Row]) -> list[tuple[int | None, str]]:
    """For each row: (title id or None, how it matched)."""
    result: list[tuple[int | None, str]] = [(None, "")] * len(rows)
    by_provider: dict[str, dict[str, int]] = {}
    for provider, attr in ((Provider.IMDB, "imdb"), (Provider.MAL, "mal")):
        wanted = {getattr(r, attr) for r in rows if getattr(r, attr) and not r.skip}
        if wanted:
            by_provider[attr] = dict(
                ExternalId.objects.filter(provider=provider, external_id__in=wanted).values_list(
                    "external_id", "title_id"
                )
            )
    pending = []
    for i, row in enumerate(rows):
        if row.skip:
            continue
        for attr in ("imdb", "mal"):
            value = getattr(row, attr)
            if value and value in by_provider.get(attr, {}):
                result[i] = (by_provider[attr][value], attr)
                break
        else:
            pending.append(i)
    keys = {k for i in pending for k in _keys(rows[i])}
    types = {rows[i].type for i in pending}
    candidates: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    if keys:
        found = (
            Title.objects.filter(type__in=types, name_key__in=keys)
            .order_by("pk")
            .values_list("pk", "type", "name_key", "release_year")
        )
        for pk, type_, key, year in found:
            candidates[(type_, key)].append((year, pk))
    for i in pending:
        row = rows[i]
        options = [c for k in _keys(row) for c in candidates.get((row.type, k), [])]
        if not options:
            continue
        if row.year is None:
            result[i] = (min(pk for _year, pk in options), "name")
            continue
        exact = [pk for year, pk in options if year == row.year]
        if exact:
            result[i] = (min(exact), "name_year")
        elif row.type == "film":
            near = sorted((abs(year - row.year), pk) for year, pk in options if abs(year - row.year) <= 1)
            if near:
                result[i] = (near[0][1], "name_year_near")
    return result


def create_key(row: Row) -> tuple[str, str, int | None]:
    """Rows of one batch that would create the same title create it once."""
    return (row.type, name_key(row.name), row.year)
