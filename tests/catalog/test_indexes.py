"""The PostgreSQL indexes the catalogue's reads rely on, and that they are used."""

from __future__ import annotations

import pytest
from django.db import connection

from catalog.models import Title
from catalog.selectors import TITLE_ORDERINGS, title_list

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        # A test table is tiny and never vacuumed: make the planner show what
        # it does at scale, where reading a whole type and sorting it loses.
        for setting in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        return queryset.explain()


@pytest.fixture
def titles():
    # Films first, then games: the heap is in type order, as a big table's
    # index-only scans would make it look to the planner (the test table is
    # never vacuumed).
    Title.objects.bulk_create(
        Title(
            name=f"{'Wyvern' if i % 100 == 0 else 'Dragon'} {i}",
            name_key=f"{'wyvern' if i % 100 == 0 else 'dragon'} {i}",
            type="film" if i < 2400 else "game",
            release_year=1990 + i % 30,
            rating=i % 7 * 10 or None,
        )
        for i in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_title")


def test_one_trigram_index_over_type_and_name():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'catalog_title'")
        indexes = dict(cursor.fetchall())
    assert "title_name_trgm" not in indexes  # replaced by the two-column one
    definition = indexes["title_type_name_trgm"]
    assert "USING gin (type, upper((name)::text) gin_trgm_ops)" in definition


@pytest.mark.usefixtures("titles")
def test_a_search_within_a_type_is_one_scan_of_the_type_and_name_index():
    with connection.cursor() as cursor:
        # Dropped in the test's transaction only: leave the planner no other
        # index on the type, so the plan shows which conditions the GIN index takes.
        for index in (
            "title_type_id",
            "title_type_year",
            "title_type_rating",
            "title_type_rating_desc",
            "title_type_name_key",
        ):
            cursor.execute(f'DROP INDEX "{index}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = title_list(type="game", search="wyver").order_by().explain()
    # the search runs on the folded name (catalog/migrations/0007)
    assert "Bitmap Index Scan on title_type_name_key_trgm" in plan, plan
    # both conditions are the index's, not a filter on the rows it found
    cond = plan.split("Index Cond:", 1)[1].splitlines()[0]
    assert "(type)::text = 'game'::text" in cond and "name_key" in cond, plan


@pytest.mark.usefixtures("titles")
@pytest.mark.parametrize("ordering", list(TITLE_ORDERINGS))
def test_the_ids_of_a_deep_page_come_from_an_index_only_scan(ordering):
    ids = title_list(type="game", ordering=ordering).values_list("pk", flat=True)[60:80]
    plan = _plan(ids)
    assert "Index Only Scan" in plan, plan
    assert "Sort" not in plan, plan
