from __future__ import annotations

import pytest
from django.db import connection

from imports.matching import match_rows
from imports.sources.base import Row
from tests.catalog.factories import TitleFactory

pytestmark = pytest.mark.django_db


def row(name: str, year: int | None, type_: str = "film") -> Row:
    return Row(line=1, type=type_, name=name, year=year)


def test_rows_match_by_folded_name_and_year():
    exact = TitleFactory(name="The Matrix", type="film", release_year=1999)
    near = TitleFactory(name="Amélie", type="film", release_year=2001)
    game = TitleFactory(name="Celeste", type="game", release_year=2018)
    rows = [
        row("matrix", 1999),
        row("Amelie", 2002),
        row("Celeste", None, "game"),
        row("Celeste", None),
        row("Nope", 1),
    ]
    assert match_rows(rows) == [
        (exact.pk, "name_year"),
        (near.pk, "name_year_near"),
        (game.pk, "name"),
        (None, ""),
        (None, ""),
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN search index is PostgreSQL's")
def test_the_name_query_never_reads_the_trigram_index():
    """The planner is left nothing but bitmap scans (the only way to read the
    GIN ``(type, name_key gin_trgm_ops)`` index, which costs seconds for a
    batch's keys): the name query must still not take one."""
    titles = [TitleFactory(name=f"Film number {i}", type="film", release_year=2000) for i in range(20)]
    plans: list[str] = []

    def explain(execute, sql, params, many, context):
        if sql.startswith("SELECT") and '"catalog_title"."name_key" IN' in sql:
            raw = context["cursor"].cursor
            raw.execute("EXPLAIN " + sql, params)
            plans.append("\n".join(r[0] for r in raw.fetchall()))
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:  # the test's transaction: SET LOCAL ends with it
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    with connection.execute_wrapper(explain):
        found = match_rows([row(f"Film number {i}", 2000) for i in range(20)])
    assert found == [(t.pk, "name_year") for t in titles]
    assert len(plans) == 1 and "Bitmap" not in plans[0], plans
    with connection.cursor() as cursor:  # bitmap scans are back for what follows
        cursor.execute("SHOW enable_bitmapscan")
        assert cursor.fetchone()[0] == "on"
