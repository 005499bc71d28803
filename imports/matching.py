"""Rows of a file matched to the catalogue, a batch at a time, in a constant
number of queries: one per external-id provider the batch has, one for the
names (``Title.name_key IN (...)``, served by the (type, name_key,
release_year) index).

Order: the external id (IMDb ``tt``, MyAnimeList id) where a title carries
it; then type + folded name + year (±1 for films: festival and release
dates differ between sites); a row without a year matches on the name alone
when a title of that type has it (the oldest such title, so it is stable).
The metadata providers are not asked here (not built yet).

On PostgreSQL the name query runs with bitmap scans off: the catalogue's
search index (GIN ``(type, name_key gin_trgm_ops)``, catalog migration
0007) also answers ``name_key = ANY(...)``, and the planner may pick it
when its estimates are off (seen on a catalogue that had just grown by
bulk inserts, as an import's own titles do). For 500 keys that plan reads the
posting lists of every trigram of every key and rechecks what they point
to: 21.6 s per batch's query on 300,000 titles (4.0 s on 30,000) against
12 ms on the btree ``(type, name_key, release_year)``; a profiled
10,000-row run that hit it spent 46.8 of its 59.1 s there. A GIN index is
only ever read by a bitmap scan, so turning those off for this one query
leaves the btree (a plain index scan over the keys).
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterator

from django.db import connection, transaction

from catalog.models import ExternalId, Provider, Title
from catalog.names import name_key

from .sources.base import Row


def _keys(row: Row) -> list[str]:
    keys = [name_key(row.name)]
    if row.alt_name:
        keys.append(name_key(row.alt_name))
    return [k for k in dict.fromkeys(keys) if k]


@contextlib.contextmanager
def _btree_only() -> Iterator[None]:
    """The queries inside use no bitmap scan (so no GIN index) on
    PostgreSQL. ``SET LOCAL`` ends with the transaction (or the savepoint
    rolled back on an error); on success the setting is put back at once."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        yield
        cursor.execute("RESET enable_bitmapscan")


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
    row_keys = {i: _keys(rows[i]) for i in pending}  # folding a name is the costly part: once per row
    keys = {k for ks in row_keys.values() for k in ks}
    types = {rows[i].type for i in pending}
    candidates: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    if keys:
        with _btree_only():
            found = list(
                Title.objects.filter(type__in=types, name_key__in=keys)
                .order_by("pk")
                .values_list("pk", "type", "name_key", "release_year")
            )
        for pk, type_, key, year in found:
            candidates[(type_, key)].append((year, pk))
    for i in pending:
        row = rows[i]
        options = [c for k in row_keys[i] for c in candidates.get((row.type, k), [])]
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
