"""Deep pages are read with a deferred join: the page's ids first, then those rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from catalog.models import Title
from catalog.selectors import TITLE_ORDERINGS, title_list
from core import pagination
from core.pagination import Paginator
from tests.conftest import jwt_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FROM = 10  # DEFERRED_JOIN_OFFSET in these tests: pages from the 11th row on are deep


@pytest.fixture
def titles(monkeypatch):
    monkeypatch.setattr(pagination, "DEFERRED_JOIN_OFFSET", FROM)
    # Years and ratings repeat, so only the id tie-break makes the order total.
    Title.objects.bulk_create(
        Title(name=f"T{i}", type="game", release_year=2000 + i % 3, rating=None if i % 4 == 0 else i % 5 * 10)
        for i in range(37)
    )
    Title.objects.bulk_create(Title(name=f"F{i}", type="film", release_year=2000) for i in range(5))


@pytest.mark.usefixtures("titles")
@pytest.mark.parametrize("ordering", list(TITLE_ORDERINGS))
def test_every_page_is_the_slice_of_the_whole_list(ordering):
    qs = title_list(type="game", ordering=ordering)
    expected = list(qs)
    paginator = Paginator(qs, 7)
    got = [title for number in paginator.page_range for title in paginator.page(number)]
    assert [t.pk for t in got] == [t.pk for t in expected]
    assert paginator.num_pages == 6  # 37 titles, 7 a page: the count is unchanged
    assert len(paginator.page(6)) == 2


@pytest.mark.usefixtures("titles")
def test_a_deep_page_reads_ids_then_rows():
    qs = title_list(type="game", ordering="-rating")
    paginator = Paginator(qs, 7, count=lambda: 37)
    with CaptureQueriesContext(connection) as near:
        list(paginator.page(2))  # rows 7-13: starts before FROM
    assert len(near) == 1
    with CaptureQueriesContext(connection) as deep:
        page = list(paginator.page(3))  # rows 14-20
    assert len(deep) == 2
    ids_sql, rows_sql = (q["sql"].lower() for q in deep.captured_queries)
    assert ids_sql.split(" from ")[0] == 'select "catalog_title"."id" as "pk"'  # the ids only
    assert "offset 14" in ids_sql
    assert "offset" not in rows_sql and " in (" in rows_sql
    assert [t.pk for t in page] == [t.pk for t in qs[14:21]]
    assert all(t.name for t in page)  # whole rows


@pytest.mark.usefixtures("titles")
def test_a_row_deleted_between_the_two_reads_is_left_out(monkeypatch):
    qs = title_list(type="game", ordering="id")
    expected = [t.pk for t in qs[14:21]]
    original = qs.filter

    class Racing(type(qs)):
        def filter(self, *args, **kwargs):
            Title.objects.filter(pk=expected[3]).delete()
            return original(*args, **kwargs)

    qs.__class__ = Racing
    page = Paginator(qs, 7, count=lambda: 37).page(3)
    assert [t.pk for t in page] == expected[:3] + expected[4:]


@pytest.mark.usefixtures("titles")
def test_grouped_querysets_and_lists_are_sliced_as_before():
    grouped = Title.objects.values("type").annotate(n=Count("id")).order_by("type")
    assert list(Paginator(grouped, 1).page(2)) == [{"type": "game", "n": 37}]
    assert list(Paginator(list(range(30)), 7).page(3)) == list(range(14, 21))


@pytest.mark.usefixtures("titles")
def test_deep_api_and_html_pages_are_the_same_titles(client):
    user = UserFactory()
    expected = [t.pk for t in title_list(type="game", ordering="-release_year")]
    api = jwt_client_for(user)
    response = api.get("/api/v1/titles", {"type": "game", "ordering": "-release_year", "page_size": 5, "page": 4})
    body = response.json()
    assert body["count"] == 37
    assert [t["id"] for t in body["results"]] == expected[15:20]
    assert "page=5" in body["next"] and "page=3" in body["previous"]
    html = client.get("/titles/", {"type": "game", "sort": "-release_year", "page": 2}).content.decode()
    # 24 a page on the HTML page: the second page holds titles 25-37
    assert [f'href="/titles/{pk}/"' in html for pk in expected[24:]] == [True] * 13
    assert f'href="/titles/{expected[23]}/"' not in html


@pytest.mark.usefixtures("titles")
def test_a_count_that_lags_hides_no_row_of_the_page():
    qs = title_list(type="game", ordering="id")
    ids = [t.pk for t in qs]
    # the caller's count says 30 (cached before 7 titles were added): the
    # last page it knows still shows every title there is up to its size
    page = Paginator(qs, 7, count=lambda: 30).page(5)
    assert [t.pk for t in page] == ids[28:35]
    # and nothing has been shown yet (count 0, as before a recompute): page 1 is full
    assert [t.pk for t in Paginator(qs, 7, count=lambda: 0).page(1)] == ids[:7]
    # orphans still fold the tail into the last page
    assert [t.pk for t in Paginator(qs, 7, orphans=3).page(5)] == ids[28:]
