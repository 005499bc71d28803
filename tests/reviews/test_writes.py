"""A review's POST and PATCH: one upsert answered from the row it wrote (no
read after the write), the same statements whatever the title's size, and
one cache round trip for the scope bumps."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Title
from core.cache import _version_key
from reviews.cache import DRAIN_QUEUED_KEY, title_reviews_scope, user_reviews_scope
from reviews.models import Review
from tests.catalog.factories import ReviewFactory, TitleFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/reviews"


def _crowded_title(n: int) -> Title:
    """A title with ``n`` reviews by other people."""
    title = TitleFactory()
    Review.objects.bulk_create(Review(user=UserFactory(password=None), title=title, rating=30) for _ in range(n))
    return title


def _warm(client) -> None:
    """The caller's user and session are cached after a first request, as in use."""
    assert client.get("/api/v1/user/@me").status_code == 200


def _write_statements(captured) -> list[str]:
    return [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


@pytest.mark.parametrize("n", [1, 200])
def test_post_of_a_new_review_is_three_statements_at_two_sizes(auth_client, n):
    title = _crowded_title(n)
    _warm(auth_client)
    with CaptureQueriesContext(connection) as captured:
        response = auth_client.post(URL, {"title_id": title.pk, "rating": 90, "text": "Fine"}, format="json")
    assert response.status_code == 201
    statements = _write_statements(captured)
    # the title with its brief fields (1), the rating mark (1), the upsert (1); the
    # service's transaction is a savepoint inside the test's (not counted)
    assert len(statements) == 3, "\n".join(s[:100] for s in statements)
    assert statements[2].startswith('INSERT INTO "reviews_review"') and "ON CONFLICT" in statements[2]


@pytest.mark.parametrize("n", [1, 200])
def test_post_of_an_existing_review_is_the_same_upsert_at_two_sizes(auth_client, n):
    title = _crowded_title(n)
    ReviewFactory(user=auth_client.user, title=title, rating=10, text="Kept")
    _warm(auth_client)
    with CaptureQueriesContext(connection) as captured:
        response = auth_client.post(URL, {"title_id": title.pk, "rating": 95}, format="json")
    assert response.status_code == 200
    statements = _write_statements(captured)
    # PostgreSQL: the title (1), the mark (1), the upsert (1). SQLite tells an update
    # from an insert by the insert doing nothing, then updates (1 more).
    assert len(statements) == (3 if connection.vendor == "postgresql" else 4), "\n".join(s[:100] for s in statements)
    assert response.json()["text"] == "Kept" and response.json()["rating"] == 95


@pytest.mark.parametrize("n", [1, 200])
def test_patch_is_three_statements_at_two_sizes(auth_client, n):
    title = _crowded_title(n)
    review = ReviewFactory(user=auth_client.user, title=title, rating=10, text="Old")
    _warm(auth_client)
    with CaptureQueriesContext(connection) as captured:
        response = auth_client.patch(f"{URL}/{review.pk}", {"rating": 55}, format="json")
    assert response.status_code == 200
    statements = _write_statements(captured)
    # the review locked, with its title's brief fields (1), the mark (1), the UPDATE (1)
    assert len(statements) == 3, "\n".join(s[:100] for s in statements)
    assert response.json()["rating"] == 55 and response.json()["title"]["id"] == title.pk


def test_the_answer_is_the_row_as_stored(auth_client):
    title = TitleFactory(name="Outer Wilds")
    first = auth_client.post(URL, {"title_id": title.pk, "rating": 80, "text": " Lovely "}, format="json").json()
    stored = Review.objects.get()
    assert first["id"] == stored.pk and first["user_id"] == auth_client.user.pk and first["title_id"] == title.pk
    assert first["text"] == "Lovely" and first["rating"] == 80
    assert first["title"]["name"] == "Outer Wilds" and first["title"]["id"] == title.pk

    second = auth_client.post(URL, {"title_id": title.pk, "rating": 60}, format="json").json()
    stored.refresh_from_db()
    assert second["id"] == first["id"]
    assert second["created_at"] == first["created_at"]  # the row's own, not the upsert's
    assert second["updated_at"] > first["updated_at"]
    assert (second["rating"], second["text"]) == (stored.rating, stored.text) == (60, "Lovely")
    # The answer is exactly what a later read of the same review gives.
    listed = auth_client.get("/api/v1/user/@me/reviews").json()["results"][0]
    listed["title"].pop("rating"), listed["title"].pop("rating_count")  # recomputed by the drain meanwhile
    second["title"].pop("rating"), second["title"].pop("rating_count")
    assert listed == second


def test_text_sent_as_empty_clears_it_left_out_keeps_it(auth_client):
    title = TitleFactory()
    auth_client.post(URL, {"title_id": title.pk, "rating": 80, "text": "Words"}, format="json")
    assert auth_client.post(URL, {"title_id": title.pk, "rating": 81}, format="json").json()["text"] == "Words"
    assert auth_client.post(URL, {"title_id": title.pk, "rating": 82, "text": ""}, format="json").json()["text"] == ""
    assert Review.objects.get().text == ""


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
    title = TitleFactory()
    _warm(auth_client)
    cache.set(DRAIN_QUEUED_KEY, 1, timeout=600)  # a drain is queued (the worker's job, not the request's)
    scopes = {_version_key(title_reviews_scope(title.pk)), _version_key(user_reviews_scope(auth_client.user.pk))}
    with django_capture_on_commit_callbacks(execute=True):
        review = auth_client.post(URL, {"title_id": title.pk, "rating": 70}, format="json").json()
    assert set_many_calls == [scopes]

    set_many_calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.patch(f"{URL}/{review['id']}", {"rating": 71}, format="json")
    assert set_many_calls == [scopes]


def test_own_review_shows_at_once_in_the_cached_lists(auth_client, django_capture_on_commit_callbacks):
    title = TitleFactory()
    mine = "/api/v1/user/@me/reviews"
    of_title = f"/api/v1/titles/{title.pk}/reviews"
    assert auth_client.get(mine).json()["results"] == [] and auth_client.get(of_title).json()["results"] == []
    with django_capture_on_commit_callbacks(execute=True):
        review = auth_client.post(URL, {"title_id": title.pk, "rating": 70}, format="json").json()
    assert [r["rating"] for r in auth_client.get(mine).json()["results"]] == [70]
    assert [r["rating"] for r in auth_client.get(of_title).json()["results"]] == [70]
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.patch(f"{URL}/{review['id']}", {"rating": 20}, format="json")
    assert [r["rating"] for r in auth_client.get(mine).json()["results"]] == [20]
    assert [r["rating"] for r in auth_client.get(of_title).json()["results"]] == [20]
