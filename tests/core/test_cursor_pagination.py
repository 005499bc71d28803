"""``?cursor=``: keyset pages beside page numbers, on every paginated JSON list."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import Title
from catalog.selectors import TITLE_ORDERINGS, title_list
from core import cursor
from core.pagination import encode_cursor, ordering_key
from reviews.models import Review
from reviews.selectors import TITLE_REVIEW_ORDERINGS
from social.models import Follow, FollowStatus
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.conftest import jwt_client_for
from tests.factories import UserFactory
from tests.staff.factories import PositionFactory, StaffFactory
from walks.models import Walk, WatchlistEntry

pytestmark = pytest.mark.django_db

N = 37


def titles(n: int = N, type: str = "game") -> list[Title]:
    # Years and ratings repeat and a quarter of the ratings are NULL, so only
    # the id tie-break makes the order total and the NULL segment is crossed.
    return Title.objects.bulk_create(
        Title(
            name=f"T{i}",
            name_key=f"t{i}",
            type=type,
            release_year=2000 + i % 3,
            rating=None if i % 4 == 0 else i % 5 * 10,
        )
        for i in range(n)
    )


def by_pages(api, url: str, size: int) -> list[int]:
    ids, number = [], 1
    sep = "&" if "?" in url else "?"
    while True:
        body = api.get(f"{url}{sep}page={number}&page_size={size}").json()
        ids += [row["id"] for row in body["results"]]
        if not body["next"]:
            return ids
        number += 1


def by_cursor(api, url: str, size: int, start: str = "start") -> tuple[list[int], list[dict]]:
    ids, bodies = [], []
    sep = "&" if "?" in url else "?"
    link = f"{url}{sep}page_size={size}&cursor={start}"
    while link:
        response = api.get(link)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert set(body) == {"next", "previous", "results"}  # no count
        bodies.append(body)
        ids += [row["id"] for row in body["results"]]
        link = body["next"]
    return ids, bodies


def backwards(api, body: dict) -> list[int]:
    ids, link = [], body["previous"]
    while link:
        page = api.get(link).json()
        ids = [row["id"] for row in page["results"]] + ids
        link = page["previous"]
    return ids


@pytest.fixture
def api():
    return jwt_client_for(UserFactory())


# --- The titles list: every ordering ----------------------------------------------------------


@pytest.mark.parametrize("ordering", list(TITLE_ORDERINGS))
@pytest.mark.parametrize("size", [5, 9, 100])
def test_walking_by_cursors_gives_the_page_number_order(api, ordering, size):
    titles()
    titles(5, type="film")  # another type: never in the list
    url = f"/api/v1/titles?type=game&ordering={ordering}"
    expected = [t.pk for t in title_list(type="game", ordering=ordering)]
    assert by_pages(api, url, size) == expected
    ids, bodies = by_cursor(api, url, size)
    assert ids == expected
    assert bodies[0]["previous"] is None and bodies[-1]["next"] is None
    # and back from the last page to the first
    assert backwards(api, bodies[-1]) + [r["id"] for r in bodies[-1]["results"]] == expected
    assert [len(b["results"]) for b in bodies[:-1]] == [size] * (len(bodies) - 1)


def test_an_empty_cursor_is_the_first_page_too(api):
    titles()
    first = api.get("/api/v1/titles", {"type": "game", "cursor": "", "page_size": 5}).json()
    start = api.get("/api/v1/titles", {"type": "game", "cursor": "start", "page_size": 5}).json()
    assert first["results"] == start["results"] and first["next"] and first["previous"] is None


def test_a_searched_list_walks_the_same(api):
    titles()
    url = "/api/v1/titles?type=game&search=T1&ordering=-rating"
    expected = [t.pk for t in title_list(type="game", search="T1", ordering="-rating")]
    assert len(expected) == 11  # T1, T10-T19
    assert by_cursor(api, url, 4)[0] == expected


@pytest.mark.parametrize("ordering", ["rating", "-rating", "release_year", "-id"])
def test_inserts_and_deletes_between_pages_neither_skip_nor_repeat_a_survivor(api, ordering):
    made = titles()
    url = f"/api/v1/titles?type=game&ordering={ordering}&page_size=6"
    first = api.get(url + "&cursor=start").json()
    seen = [r["id"] for r in first["results"]]
    titles(8)  # new titles on both sides of the cursor
    every = [t.pk for t in title_list(type="game", ordering=ordering)]
    # Delete the cursor's own row (the page's last), one already seen and one not yet seen.
    gone = {seen[-1], seen[0], next(t.pk for t in reversed(made) if t.pk not in seen)}
    Title.objects.filter(pk__in=gone).delete()
    ids, link = [], first["next"]
    while link:
        body = api.get(link).json()
        ids += [r["id"] for r in body["results"]]
        link = body["next"]
    assert ids == [pk for pk in every[every.index(seen[-1]) + 1 :] if pk not in gone]


# --- Every other list --------------------------------------------------------------------------


def _ties(model, field: str, rows) -> None:
    """Two rows share each moment: only the id orders them."""
    now = timezone.now()
    for i, row in enumerate(rows):
        model.objects.filter(pk=row.pk).update(**{field: now - timedelta(minutes=i // 2)})


def test_every_list_endpoint_walks_in_the_page_number_order():
    owner = UserFactory()
    api = jwt_client_for(owner)
    title = TitleFactory()
    things = TitleFactory.create_batch(13)
    walks = [WalkFactory(user=owner, title=t) for t in things[:11]]
    walks += [WalkFactory(title=title) for _ in range(11)]
    _ties(Walk, "updated_at", walks)
    reviews = [ReviewFactory(user=owner, title=t, rating=10 * (i % 4)) for i, t in enumerate(things[:12])]
    reviews += [ReviewFactory(title=title, rating=10 * (i % 3)) for i in range(12)]
    _ties(Review, "updated_at", reviews)
    entries = [WatchlistEntry.objects.create(user=owner, title=t) for t in TitleFactory.create_batch(9)]
    _ties(WatchlistEntry, "added_at", entries)
    follows = [Follow.objects.create(follower=UserFactory(), followee=owner, status="approved") for _ in range(7)]
    follows += [Follow.objects.create(follower=owner, followee=UserFactory(), status="approved") for _ in range(8)]
    follows += [Follow.objects.create(follower=UserFactory(), followee=owner, status=FollowStatus.PENDING)]
    _ties(Follow, "created_at", follows)
    urls = [
        f"/api/v1/user/{owner.pk}/walks",
        "/api/v1/user/@me/walks",
        f"/api/v1/user/{owner.pk}/walks?state=completed",
        f"/api/v1/titles/{title.pk}/walks",
        f"/api/v1/user/{owner.pk}/reviews",
        "/api/v1/user/@me/reviews",
        *(f"/api/v1/titles/{title.pk}/reviews?ordering={o}" for o in TITLE_REVIEW_ORDERINGS),
        f"/api/v1/user/{owner.pk}/watchlist",
        f"/api/v1/user/{owner.pk}/followers",
        f"/api/v1/user/{owner.pk}/following",
        "/api/v1/user/@me/follow-requests",
    ]
    for url in urls:
        expected = by_pages(api, url, 4)
        assert len(expected) >= 1, url
        ids, bodies = by_cursor(api, url, 4)
        assert ids == expected, url
        assert backwards(api, bodies[-1]) + [r["id"] for r in bodies[-1]["results"]] == expected, url


def test_the_staff_list_walks_in_the_page_number_order():
    boss = UserFactory(is_staff=True)
    boss.user_permissions.add(Permission.objects.get(codename="view_staff"))
    api = jwt_client_for(boss)
    position = PositionFactory()
    people = StaffFactory.create_batch(9, position=position)
    from staff.models import Staff

    _ties(Staff, "created_at", people)
    expected = by_pages(api, "/api/v1/staff", 4)
    assert len(expected) == 9
    assert by_cursor(api, "/api/v1/staff", 4)[0] == expected


# --- Bad cursors -------------------------------------------------------------------------------


def _raw(body) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()


def _good(url="/api/v1/titles?type=game", ordering="catalog.title:id", values=(5,)):
    return {"o": ordering, "l": cursor.list_digest(url), "v": list(values), "d": "n"}


BAD = {
    "garbage": "not-a-cursor",
    "not base64": "!!!",
    "not json": base64.urlsafe_b64encode(b"{oops").decode().rstrip("="),
    "a list": _raw([1, 2]),
    "huge": "A" * 5000,
    "wrong ordering": _raw(_good(ordering="catalog.title:-rating~nl,-id", values=(None, 5))),
    "another list": _raw(_good(url="/api/v1/titles?type=film")),
    "another model": _raw(_good(ordering="walks.walk:-updated_at,-id", values=("2026-01-01T00:00:00+00:00", 5))),
    "a string id": _raw(_good(values=("5",))),
    "a bool id": _raw(_good(values=(True,))),
    "a float id": _raw(_good(values=(5.0,))),
    "a huge id": _raw(_good(values=(2**80,))),
    "a null id": _raw(_good(values=(None,))),
    "too many values": _raw(_good(values=(5, 6))),
    "no values": _raw({**_good(), "v": 5}),
    "a bad direction": _raw({**_good(), "d": "x"}),
    "an extra key": _raw({**_good(), "x": 1}),
    "a missing key": _raw({k: v for k, v in _good().items() if k != "l"}),
    "deeply nested": _raw({"o": [[[[[]]]]]}),
    "NaN": base64.urlsafe_b64encode(b'{"o":"catalog.title:rating~nl,id","l":"x","v":[NaN,1],"d":"n"}').decode(),
}


@pytest.mark.parametrize("raw", BAD.values(), ids=BAD.keys())
def test_a_bad_cursor_is_a_400_with_its_code(api, raw):
    titles(3)
    response = api.get("/api/v1/titles", {"type": "game", "cursor": raw})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
    assert "cursor" in response.json()["errors"]


@pytest.mark.parametrize(
    ("ordering", "values"),
    [
        ("rating", ["7", 1]),  # a float key as text
        ("rating", [1e400, 1]),  # Infinity
        ("release_year", [None, 1]),  # not nullable
        ("release_year", [2000.5, 1]),
    ],
)
def test_a_key_value_of_the_wrong_type_is_a_400(api, ordering, values):
    titles(3)
    qs = title_list(type="game", ordering=ordering)
    url = f"/api/v1/titles?type=game&ordering={ordering}"
    body = {"o": ordering_key(qs), "l": cursor.list_digest(url), "v": values, "d": "n"}
    raw = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    response = api.get(f"{url}&cursor={raw}")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_cursor")


def test_dates_must_be_aware_iso_text(api):
    owner = api.get("/api/v1/user/@me").json()["id"]
    url = f"/api/v1/user/{owner}/walks"
    for bad in ["2026-01-01T00:00:00", "yesterday", 1767225600, "2026-13-01T00:00:00+00:00"]:
        raw = _raw({"o": "walks.walk:-updated_at,-id", "l": cursor.list_digest(url), "v": [bad, 1], "d": "n"})
        response = api.get(url, {"cursor": raw})
        assert (response.status_code, response.json()["code"]) == (400, "invalid_cursor"), bad


def test_cursor_and_page_together_is_a_400(api):
    response = api.get("/api/v1/titles", {"type": "game", "cursor": "start", "page": 2})
    assert (response.status_code, response.json()["code"]) == (400, "cursor_with_page")


def test_a_cursor_of_the_same_list_with_its_parameters_in_another_order_is_good(api):
    titles()
    made = encode_cursor("catalog.title:rating~nl,id", [20.0, 0], url="/api/v1/titles?ordering=rating&type=game")
    response = api.get("/api/v1/titles", {"type": "game", "ordering": "rating", "cursor": made, "page_size": 3})
    assert response.status_code == 200
    expected = [t.pk for t in title_list(type="game", ordering="rating") if t.rating is not None and t.rating >= 20]
    assert [r["id"] for r in response.json()["results"]] == expected[:3]


def test_the_page_number_contract_is_unchanged(api):
    titles()
    body = api.get("/api/v1/titles", {"type": "game", "page": 2, "page_size": 10}).json()
    assert set(body) == {"count", "next", "previous", "results"} and body["count"] == N
    assert "cursor" not in body["next"] and "page=3" in body["next"]


# --- The helper ---------------------------------------------------------------------------------


def test_encode_cursor_jumps_to_any_position(api):
    made = titles()
    qs = title_list(type="game", ordering="-rating")
    key = ordering_key(qs)
    assert key == "catalog.title:-rating~nl,-id"
    order = list(qs)
    # after the 20th title, and into the NULL segment
    for at in (19, len(order) - 5):
        row = order[at]
        raw = encode_cursor(key, [row.rating, row.pk], url="/api/v1/titles?type=game&ordering=-rating")
        body = api.get("/api/v1/titles", {"type": "game", "ordering": "-rating", "cursor": raw, "page_size": 3})
        assert [r["id"] for r in body.json()["results"]] == [t.pk for t in order[at + 1 : at + 4]]
    assert len(made) == N


# --- Cost ---------------------------------------------------------------------------------------


def _queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("ordering", ["-rating", "release_year"])
def test_a_cursor_page_costs_the_same_at_two_sizes_and_at_depth(api, django_assert_num_queries, ordering):
    titles(40)
    qs = title_list(type="game", ordering=ordering)
    key = ordering_key(qs)
    url = f"/api/v1/titles?type=game&ordering={ordering}"

    def at(row):
        raw = encode_cursor(key, [getattr(row, ordering.lstrip("-")), row.pk], url=url)
        return f"{url}&page_size=5&cursor={raw}"

    small = list(qs)
    api.get("/api/v1/user/@me")  # the caller is in the user cache from now on
    # the titles, their external ids: no count, no offset
    with django_assert_num_queries(2):
        api.get(at(small[10]))
    titles(400)
    big = list(title_list(type="game", ordering=ordering))
    with django_assert_num_queries(2):
        api.get(at(big[20]))
    with django_assert_num_queries(2) as deep:
        api.get(at(big[300]))
    page_sql = next(q["sql"].upper() for q in deep.captured_queries if "CATALOG_TITLE" in q["sql"].upper())
    assert "OFFSET" not in page_sql and "COUNT(" not in page_sql and "LIMIT 6" in page_sql


def test_a_walks_cursor_page_costs_the_same_at_two_sizes(django_assert_num_queries):
    owner = UserFactory()
    api = jwt_client_for(owner)
    WalkFactory.create_batch(8, user=owner)
    link = api.get(f"/api/v1/user/{owner.pk}/walks?page_size=3&cursor=start").json()["next"]
    # the user (JWT), the person (cached user), the page
    n = _queries(api, link)
    WalkFactory.create_batch(40, user=owner)
    cache.clear()  # the factory writes behind the services' backs
    body = api.get(f"/api/v1/user/{owner.pk}/walks?page_size=3&cursor=start").json()
    for _ in range(8):
        body = api.get(body["next"]).json()
    with django_assert_num_queries(n):
        api.get(body["next"])


def test_a_cursor_page_is_cached_and_the_persons_own_write_shows_at_once(django_capture_on_commit_callbacks):
    owner = UserFactory()
    api = jwt_client_for(owner)
    WalkFactory.create_batch(4, user=owner)
    url = f"/api/v1/user/{owner.pk}/walks?page_size=3&cursor=start"
    first = api.get(url).json()
    with CaptureQueriesContext(connection) as again:
        assert api.get(url).json() == first
    assert not any("walks_walk" in q["sql"] for q in again.captured_queries)  # from the cache
    title = TitleFactory()
    with django_capture_on_commit_callbacks(execute=True):  # the scope is bumped at the commit
        response = api.post("/api/v1/walks", {"title_id": title.pk, "state": "in_progress"}, format="json")
    assert response.status_code == 201
    assert api.get(url).json()["results"][0]["title"]["id"] == title.pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_a_deep_cursor_page_reads_the_index_from_its_position():
    titles(5000)
    with connection.cursor() as c:
        c.execute("ANALYZE catalog_title")
    qs = title_list(type="game", ordering="-rating")
    order = list(qs.values_list("rating", "pk"))
    terms = cursor.terms_of(qs)
    where, ordered = cursor.segments(terms, list(order[2500]))[0]
    plan = "\n".join(qs.filter(where).order_by(*ordered)[:21].explain().splitlines())
    assert "Sort" not in plan and "title_type_rating" in plan, plan
    assert "OFFSET" not in str(qs.filter(where).order_by(*ordered)[:21].query).upper()


# --- The schema ---------------------------------------------------------------------------------


def test_the_schema_documents_the_cursor_on_every_paginated_list():
    from tests.contract.conftest import served_schema

    schema = served_schema()
    paginated = 0
    for path, item in schema["paths"].items():
        operation = item.get("get") or {}
        params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        if "page_size" not in params:
            continue
        paginated += 1
        assert params["cursor"]["schema"] == {"type": "string", "maxLength": 512, "pattern": "^[A-Za-z0-9_-]*$"}, path
        assert {"invalid_cursor", "cursor_with_page"} <= set(operation["responses"]["400"]["x-error-codes"]), path
    assert paginated >= 12
    for name, component in schema["components"]["schemas"].items():
        if name.startswith("Paginated"):
            assert component["required"] == ["results"], name  # no count in cursor mode
