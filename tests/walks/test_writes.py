"""A walk's POST and PATCH: one upsert answered from the row it wrote and the
title read with the write (no read after it), the same statements whatever
the person's size, and one cache round trip for the scope bumps."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Title
from core.cache import _version_key
from tests.catalog.factories import TitleFactory, WalkFactory
from walks.cache import title_walks_scope, user_walks_scope, user_watchlist_scope
from walks.models import Walk, WatchlistEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/walks"


def _walked(user, n: int) -> None:
    """``n`` walks of the person, of other titles."""
    titles = Title.objects.bulk_create(Title(name=f"T{i}", type="film", release_year=2000) for i in range(n))
    Walk.objects.bulk_create(Walk(user=user, title=t, state="completed") for t in titles)


def _warm(client) -> None:
    """The caller's user and session are cached after a first request, as in use."""
    assert client.get("/api/v1/user/@me").status_code == 200


def _write_statements(captured) -> list[str]:
    return [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


@pytest.mark.parametrize("n", [1, 200])
def test_post_of_a_new_walk_is_five_statements_at_two_sizes(auth_client, n):
    _walked(auth_client.user, n)
    title = TitleFactory()
    _warm(auth_client)
    with CaptureQueriesContext(connection) as captured:
        response = auth_client.post(URL, {"title_id": title.pk, "state": "in_progress"}, format="json")
    assert response.status_code == 201
    statements = _write_statements(captured)
    # the title with its brief fields (1), the walk's state before, locked (1), the
    # upsert (1), the person's counts (walks.tally, 1), the title off the watchlist
    # (1); the service's transaction is a savepoint inside the test's (not counted)
    assert len(statements) == 5, "\n".join(s[:100] for s in statements)
    assert statements[2].startswith('INSERT INTO "walks_walk"') and "ON CONFLICT" in statements[2]
    assert statements[3].startswith("INSERT INTO walks_walktally")
    assert response.json()["title"]["name"] == title.name


@pytest.mark.parametrize("n", [1, 200])
def test_post_of_an_existing_walk_is_the_same_upsert_at_two_sizes(auth_client, n):
    _walked(auth_client.user, n)
    walk = WalkFactory(user=auth_client.user, state="in_progress")
    _warm(auth_client)
    with CaptureQueriesContext(connection) as captured:
        response = auth_client.post(URL, {"title_id": walk.title_id, "state": "completed"}, format="json")
    assert response.status_code == 200
    statements = _write_statements(captured)
    # PostgreSQL: the title (1), the state before (1), the upsert (1), the counts (1),
    # the watchlist (1). SQLite tells an update from an insert by the insert doing
    # nothing, then updates (1 more).
    assert len(statements) == (5 if connection.vendor == "postgresql" else 6), "\n".join(s[:100] for s in statements)
    assert response.json()["id"] == walk.pk and response.json()["state"] == "completed"


@pytest.mark.parametrize("n", [1, 200])
def test_patch_is_three_statements_at_two_sizes(auth_client, n):
    _walked(auth_client.user, n)
    walk = WalkFactory(user=auth_client.user, state="in_progress")
    _warm(auth_client)
    with CaptureQueriesContext(connection) as captured:
        response = auth_client.patch(f"{URL}/{walk.pk}", {"state": "hundred_percent"}, format="json")
    assert response.status_code == 200
    statements = _write_statements(captured)
    # the walk locked, with its title's brief fields (1), the counts (1), the UPDATE (1)
    assert len(statements) == 3, "\n".join(s[:100] for s in statements)
    assert response.json()["state"] == "hundred_percent" and response.json()["title"]["id"] == walk.title_id


def test_the_answers_are_the_rows_as_stored(auth_client, django_capture_on_commit_callbacks):
    def committed(method, *args):
        with django_capture_on_commit_callbacks(execute=True):  # the scopes bumped, as after a commit
            return method(*args, format="json").json()

    title = TitleFactory(name="Disco Elysium")
    first = committed(auth_client.post, URL, {"title_id": title.pk, "state": "in_progress"})
    stored = Walk.objects.get()
    assert (first["id"], first["user_id"], first["title_id"]) == (stored.pk, auth_client.user.pk, title.pk)
    assert first["title"]["name"] == "Disco Elysium"

    second = committed(auth_client.post, URL, {"title_id": title.pk, "state": "completed"})
    assert second["id"] == first["id"]
    assert second["created_at"] == first["created_at"]  # the row's own, not the upsert's
    assert second["updated_at"] > first["updated_at"]  # the sync reads changes by updated_at
    # The answer is exactly what a later read of the same walk gives.
    assert auth_client.get("/api/v1/user/@me/walks").json()["results"] == [second]

    patched = committed(auth_client.patch, f"{URL}/{first['id']}", {"state": "hundred_percent"})
    assert patched["updated_at"] > second["updated_at"] and patched["created_at"] == first["created_at"]
    assert auth_client.get("/api/v1/user/@me/walks").json()["results"] == [patched]


@pytest.fixture
def set_many_calls(monkeypatch):
    """Every cache.set_many (a bump is one: one pipeline on Redis), with its keys."""
    calls: list[set[str]] = []
    original = cache.set_many

    def counting(data, *args, **kwargs):
        calls.append(set(data))
        return original(data, *args, **kwargs)

    monkeypatch.setattr(cache, "set_many", counting)
    return calls


def test_a_post_and_a_patch_bump_their_scopes_in_one_round_trip(
    auth_client, set_many_calls, django_capture_on_commit_callbacks
):
    user, title = auth_client.user, TitleFactory()
    _warm(auth_client)
    scopes = {_version_key(user_walks_scope(user.pk)), _version_key(title_walks_scope(title.pk))}
    with django_capture_on_commit_callbacks(execute=True):
        walk = auth_client.post(URL, {"title_id": title.pk, "state": "in_progress"}, format="json").json()
    assert set_many_calls == [scopes]

    set_many_calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.patch(f"{URL}/{walk['id']}", {"state": "completed"}, format="json")
    assert set_many_calls == [scopes]


def test_starting_a_watchlisted_title_takes_it_off_in_the_same_round_trip(
    auth_client, set_many_calls, django_capture_on_commit_callbacks
):
    user, title = auth_client.user, TitleFactory()
    WatchlistEntry.objects.create(user=user, title=title)
    watchlist = f"/api/v1/user/{user.pk}/watchlist"
    assert [e["title_id"] for e in auth_client.get(watchlist).json()["results"]] == [title.pk]  # cached now
    set_many_calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.post(URL, {"title_id": title.pk, "state": "in_progress"}, format="json").status_code == 201
    assert set_many_calls == [
        {
            _version_key(s)
            for s in (user_walks_scope(user.pk), title_walks_scope(title.pk), user_watchlist_scope(user.pk))
        }
    ]
    assert not WatchlistEntry.objects.exists()
    assert auth_client.get(watchlist).json()["results"] == []  # at once


def test_own_walk_shows_at_once_in_the_cached_list(auth_client, django_capture_on_commit_callbacks):
    title = TitleFactory()
    mine = "/api/v1/user/@me/walks"
    assert auth_client.get(mine).json()["results"] == []
    with django_capture_on_commit_callbacks(execute=True):
        walk = auth_client.post(URL, {"title_id": title.pk, "state": "in_progress"}, format="json").json()
    assert [w["state"] for w in auth_client.get(mine).json()["results"]] == ["in_progress"]
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.post(URL, {"title_id": title.pk, "state": "completed"}, format="json")
    assert [w["state"] for w in auth_client.get(mine).json()["results"]] == ["completed"]
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.patch(f"{URL}/{walk['id']}", {"state": "hundred_percent"}, format="json")
    assert [w["state"] for w in auth_client.get(mine).json()["results"]] == ["hundred_percent"]
