from __future__ import annotations

import pytest

from catalog.models import Title
from reviews.models import Review
from tests.catalog.factories import ReviewFactory, TitleFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """The request's transaction commits inside the test's: run what it left for on_commit."""

    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return call


def rating_of(title):
    title.refresh_from_db()
    return title.rating, title.rating_count


def test_reviews_need_a_user(api_client):
    title = TitleFactory()
    response = api_client.post("/api/v1/reviews", {"title_id": title.pk, "rating": 50}, format="json")
    assert response.status_code == 401


def test_post_creates_then_updates_and_the_rating_follows(auth_client, run_on_commit):
    title = TitleFactory()
    ReviewFactory(title=title, rating=60)
    from reviews.services import title_rating_recompute

    title_rating_recompute(title_id=title.pk)
    assert rating_of(title) == (60, 1)

    first = run_on_commit(
        auth_client.post, "/api/v1/reviews", {"title_id": title.pk, "rating": 90, "text": "Great"}, format="json"
    )
    assert first.status_code == 201
    body = first.json()
    assert body["rating"] == 90 and body["text"] == "Great" and body["title"]["id"] == title.pk
    assert rating_of(title) == (75, 2)

    second = run_on_commit(auth_client.post, "/api/v1/reviews", {"title_id": title.pk, "rating": 80}, format="json")
    assert second.status_code == 200
    assert second.json()["id"] == body["id"]
    assert second.json()["text"] == "Great"  # left out: kept
    assert rating_of(title) == (70, 2)
    assert Review.objects.filter(user=auth_client.user).count() == 1


def test_patch_and_delete_recompute(auth_client, run_on_commit):
    title = TitleFactory()
    ReviewFactory(title=title, rating=40)
    created = run_on_commit(auth_client.post, "/api/v1/reviews", {"title_id": title.pk, "rating": 100}, format="json")
    pk = created.json()["id"]
    assert rating_of(title) == (70, 2)

    response = run_on_commit(auth_client.patch, f"/api/v1/reviews/{pk}", {"rating": 41, "text": "Meh"}, format="json")
    assert response.status_code == 200
    assert response.json()["text"] == "Meh"
    assert rating_of(title) == (40.5, 2)

    response = run_on_commit(auth_client.patch, f"/api/v1/reviews/{pk}", {"text": "Only text"}, format="json")
    assert response.json()["rating"] == 41

    assert run_on_commit(auth_client.delete, f"/api/v1/reviews/{pk}").status_code == 204
    assert rating_of(title) == (40, 1)


def test_deleting_the_last_review_makes_the_rating_null(auth_client, run_on_commit):
    title = TitleFactory()
    pk = run_on_commit(auth_client.post, "/api/v1/reviews", {"title_id": title.pk, "rating": 0}, format="json").json()[
        "id"
    ]
    assert rating_of(title) == (0, 1)
    run_on_commit(auth_client.delete, f"/api/v1/reviews/{pk}")
    assert rating_of(title) == (None, 0)


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"rating": 101}, "invalid_rating", "rating"),
        ({"rating": -1}, "invalid_rating", "rating"),
        ({"rating": 10**30}, "invalid_rating", "rating"),
        ({"rating": True}, "invalid", "rating"),
        ({"rating": 1.5}, "invalid", "rating"),
        ({"rating": 150.0}, "invalid_rating", "rating"),  # 150.0 is an integer to JSON Schema; out of range
        ({"rating": "5"}, "invalid", "rating"),
        ({"rating": None}, "invalid", "rating"),
        ({"rating": [5]}, "invalid", "rating"),
        ({"rating": 50, "text": "x" * 10_001}, "text_too_long", "text"),
        ({"rating": 50, "text": "a\x00b"}, "invalid", "text"),
        ({"rating": 50, "title_id": 424242}, "title_not_found", "title_id"),
        ({"rating": 50, "title_id": "1"}, "invalid", "title_id"),
    ],
)
def test_bad_reviews_are_400_and_write_nothing(auth_client, run_on_commit, payload, code, field):
    title = TitleFactory()
    body = {"title_id": title.pk, **payload}
    response = run_on_commit(auth_client.post, "/api/v1/reviews", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert field in response.json()["errors"]
    assert not Review.objects.exists()
    assert rating_of(title) == (None, 0)


@pytest.mark.parametrize("fmt", ["multipart", "form"])
def test_form_encoded_bodies_are_refused(auth_client, fmt):
    # JSON only: a form body would be read differently from what the schema says.
    title = TitleFactory()
    data = {"title_id": str(title.pk), "rating": "77"}
    if fmt == "form":
        from urllib.parse import urlencode

        response = auth_client.post(
            "/api/v1/reviews", urlencode(data), content_type="application/x-www-form-urlencoded"
        )
    else:
        response = auth_client.post("/api/v1/reviews", data, format="multipart")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert rating_of(title) == (None, 0)


@pytest.mark.parametrize("payload", [{"rating": 101}, {"rating": "5"}, {"text": "x" * 10_001}, {"rating": False}])
def test_bad_patch_writes_nothing(auth_client, payload):
    review = ReviewFactory(user=auth_client.user, rating=50, text="Kept")
    response = auth_client.patch(f"/api/v1/reviews/{review.pk}", payload, format="json")
    assert response.status_code == 400
    review.refresh_from_db()
    assert (review.rating, review.text) == (50, "Kept")


def test_someone_elses_review_is_404(auth_client):
    review = ReviewFactory(rating=50)
    assert auth_client.patch(f"/api/v1/reviews/{review.pk}", {"rating": 1}, format="json").status_code == 404
    response = auth_client.delete(f"/api/v1/reviews/{review.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "review_not_found"
    review.refresh_from_db()
    assert review.rating == 50


# --- lists -------------------------------------------------------------------------------


def test_title_reviews_orderings_with_authors(auth_client):
    title = TitleFactory()
    low = ReviewFactory(title=title, rating=10)
    high = ReviewFactory(title=title, rating=95)
    mid = ReviewFactory(title=title, rating=50)
    ReviewFactory(rating=99)  # another title
    Review.objects.filter(pk=low.pk).update(updated_at="2026-01-03T00:00:00Z")
    Review.objects.filter(pk=high.pk).update(updated_at="2026-01-01T00:00:00Z")
    Review.objects.filter(pk=mid.pk).update(updated_at="2026-01-02T00:00:00Z")
    url = f"/api/v1/titles/{title.pk}/reviews"

    def order(**params):
        return [r["id"] for r in auth_client.get(url, params).json()["results"]]

    assert order() == [low.pk, mid.pk, high.pk]
    assert order(ordering="-rating") == [high.pk, mid.pk, low.pk]
    assert order(ordering="rating") == [low.pk, mid.pk, high.pk]
    first = auth_client.get(url).json()["results"][0]
    assert {k: first["user"][k] for k in ("id", "username", "avatar")} == {
        "id": low.user.pk,
        "username": low.user.profile.username,
        "avatar": None,
    }
    assert ".png?" in first["user"]["avatar_urls"]["small"]
    assert auth_client.get(url, {"ordering": "text"}).json()["code"] == "invalid_ordering"
    assert auth_client.get("/api/v1/titles/999999/reviews").status_code == 404


def test_user_reviews_with_titles_and_type_filter(auth_client):
    person = UserFactory()
    game = ReviewFactory(user=person, title=TitleFactory(type="game"))
    anime = ReviewFactory(user=person, title=TitleFactory(type="anime"))
    Review.objects.filter(pk=game.pk).update(updated_at="2026-01-01T00:00:00Z")
    url = f"/api/v1/user/{person.pk}/reviews"
    body = auth_client.get(url).json()
    assert [r["id"] for r in body["results"]] == [anime.pk, game.pk]
    assert body["results"][0]["title"]["type"] == "anime"
    assert [r["id"] for r in auth_client.get(url, {"type": "game"}).json()["results"]] == [game.pk]
    assert auth_client.get(url, {"type": "manga"}).status_code == 400
    assert auth_client.get("/api/v1/user/999999/reviews").status_code == 404


@pytest.mark.parametrize("n", [1, 50])
def test_title_reviews_query_count(auth_client, django_assert_max_num_queries, n):
    title = TitleFactory()
    people = [UserFactory(password=None) for _ in range(n)]
    Review.objects.bulk_create(Review(user=p, title=title, rating=50) for p in people)
    # session + user (2), the title (1), count (1), the page joined with users and profiles (1)
    with django_assert_max_num_queries(5):
        response = auth_client.get(f"/api/v1/titles/{title.pk}/reviews", {"page_size": 50, "ordering": "-rating"})
    assert len(response.json()["results"]) == n


@pytest.mark.parametrize("n", [1, 50])
def test_user_reviews_query_count(auth_client, django_assert_max_num_queries, n):
    person = UserFactory()
    titles = Title.objects.bulk_create(Title(name=f"T{i}", type="film", release_year=2000) for i in range(n))
    Review.objects.bulk_create(Review(user=person, title=t, rating=50) for t in titles)
    # session + user (2), the person (1), whether the caller may see them (1: a block?),
    # count (1), the page joined with its titles (1); the person and the check are cached
    with django_assert_max_num_queries(6):
        response = auth_client.get(f"/api/v1/user/{person.pk}/reviews", {"page_size": 50, "type": "film"})
    assert len(response.json()["results"]) == n


@pytest.mark.parametrize("n", [1, 50])
def test_review_post_query_count(auth_client, user, run_on_commit, n):
    """A review POST costs the same whatever the title's and the writer's sizes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    title = TitleFactory()
    others = Title.objects.bulk_create(Title(name=f"T{i}", type="film", release_year=2000) for i in range(n))
    Review.objects.bulk_create(Review(user=user, title=t, rating=50) for t in others)
    people = [UserFactory(password=None) for _ in range(n)]
    Review.objects.bulk_create(Review(user=p, title=title, rating=30) for p in people)
    with CaptureQueriesContext(connection) as captured:
        response = run_on_commit(
            auth_client.post, "/api/v1/reviews", {"title_id": title.pk, "rating": 90}, format="json"
        )
    assert response.status_code == 201
    assert response.json()["title"]["id"] == title.pk
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    # the user (1; the session is cached), the title with its brief fields (1), the
    # review's upsert (1), the mark (1); the drain at the commit (eager here): the
    # marks (1), the title locked (1), its rating (1), the marks deleted (1)
    assert len(statements) <= 8, "\n".join(s[:90] for s in statements)
    assert rating_of(title) == (pytest.approx((30 * n + 90) / (n + 1)), n + 1)
