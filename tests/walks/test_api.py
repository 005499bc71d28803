from __future__ import annotations

import pytest

from catalog.models import Title
from tests.catalog.factories import TitleFactory, WalkFactory
from tests.conftest import jwt_client_for
from tests.factories import UserFactory
from walks.models import Walk
from walks.tally import tally_recount

pytestmark = pytest.mark.django_db


def test_walks_need_a_user(api_client):
    title = TitleFactory()
    assert (
        api_client.post("/api/v1/walks", {"title_id": title.pk, "state": "completed"}, format="json").status_code == 401
    )
    assert not Walk.objects.exists()


def test_post_creates_then_updates_the_same_walk(auth_client):
    title = TitleFactory()
    first = auth_client.post("/api/v1/walks", {"title_id": title.pk, "state": "in_progress"}, format="json")
    assert first.status_code == 201
    body = first.json()
    assert body["state"] == "in_progress" and body["title_id"] == title.pk
    assert body["user_id"] == auth_client.user.pk
    assert body["title"]["id"] == title.pk and body["title"]["name"] == title.name

    second = auth_client.post("/api/v1/walks", {"title_id": title.pk, "state": "hundred_percent"}, format="json")
    assert second.status_code == 200
    assert second.json()["id"] == body["id"]
    assert Walk.objects.get().state == "hundred_percent"


def test_trailing_slash_works_too(auth_client):
    title = TitleFactory()
    response = auth_client.post("/api/v1/walks/", {"title_id": title.pk, "state": "completed"}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"state": "finished"}, "invalid_state"),
        ({"state": ""}, "invalid"),
        ({"state": None}, "invalid"),
        ({"title_id": 987654, "state": "completed"}, "title_not_found"),
        ({"title_id": 10**30, "state": "completed"}, "invalid"),
        ({"title_id": "1", "state": "completed"}, "invalid"),
        ({"title_id": True, "state": "completed"}, "invalid"),
        ({"title_id": 1.5, "state": "completed"}, "invalid"),
        ({"title_id": -1, "state": "completed"}, "invalid"),
    ],
)
def test_bad_walks_are_400_and_write_nothing(auth_client, payload, code):
    title = TitleFactory()
    body = {"title_id": title.pk, **payload}
    response = auth_client.post("/api/v1/walks", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert not Walk.objects.exists()


def test_missing_fields_are_400(auth_client):
    response = auth_client.post("/api/v1/walks", {}, format="json")
    assert response.status_code == 400
    assert {"title_id", "state"} <= set(response.json()["errors"])


def test_patch_changes_own_walk(auth_client):
    walk = WalkFactory(user=auth_client.user, state="in_progress")
    response = auth_client.patch(f"/api/v1/walks/{walk.pk}", {"state": "completed"}, format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "completed"
    walk.refresh_from_db()
    assert walk.state == "completed"


def test_patch_with_a_bad_state_writes_nothing(auth_client):
    walk = WalkFactory(user=auth_client.user, state="in_progress")
    response = auth_client.patch(f"/api/v1/walks/{walk.pk}", {"state": "done"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_state"
    walk.refresh_from_db()
    assert walk.state == "in_progress"


def test_someone_elses_walk_is_404(auth_client):
    walk = WalkFactory(state="in_progress")
    assert auth_client.patch(f"/api/v1/walks/{walk.pk}", {"state": "completed"}, format="json").status_code == 404
    response = auth_client.delete(f"/api/v1/walks/{walk.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "walk_not_found"
    walk.refresh_from_db()
    assert walk.state == "in_progress"


def test_delete_own_walk(auth_client):
    walk = WalkFactory(user=auth_client.user)
    assert auth_client.delete(f"/api/v1/walks/{walk.pk}").status_code == 204
    assert not Walk.objects.filter(pk=walk.pk).exists()
    assert auth_client.delete(f"/api/v1/walks/{walk.pk}").status_code == 404


# --- lists -------------------------------------------------------------------------------


def test_user_walks_newest_first_with_titles_and_filters(auth_client):
    person = UserFactory()
    game = WalkFactory(user=person, title=TitleFactory(type="game"), state="completed")
    film = WalkFactory(user=person, title=TitleFactory(type="film"), state="in_progress")
    game2 = WalkFactory(user=person, title=TitleFactory(type="game"), state="in_progress")
    WalkFactory()  # someone else
    Walk.objects.filter(pk=game.pk).update(updated_at="2026-01-03T00:00:00Z")
    Walk.objects.filter(pk=film.pk).update(updated_at="2026-01-02T00:00:00Z")
    Walk.objects.filter(pk=game2.pk).update(updated_at="2026-01-01T00:00:00Z")

    url = f"/api/v1/user/{person.pk}/walks"
    body = auth_client.get(url).json()
    assert [w["id"] for w in body["results"]] == [game.pk, film.pk, game2.pk]
    assert body["results"][0]["title"]["name"] == game.title.name
    assert body["results"][0]["title"]["type"] == "game"
    assert [w["id"] for w in auth_client.get(url, {"type": "game"}).json()["results"]] == [game.pk, game2.pk]
    assert [w["id"] for w in auth_client.get(url, {"state": "in_progress"}).json()["results"]] == [film.pk, game2.pk]
    assert [w["id"] for w in auth_client.get(url, {"type": "game", "state": "in_progress"}).json()["results"]] == [
        game2.pk
    ]


@pytest.mark.parametrize(("params", "code"), [({"type": "book"}, "invalid_type"), ({"state": "x"}, "invalid_state")])
def test_user_walks_bad_filters(auth_client, params, code):
    response = auth_client.get(f"/api/v1/user/{auth_client.user.pk}/walks", params)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_user_walks_of_an_unknown_user_is_404(auth_client):
    assert auth_client.get("/api/v1/user/999999/walks").status_code == 404


def test_user_walks_needs_a_user(api_client, user):
    assert api_client.get(f"/api/v1/user/{user.pk}/walks").status_code == 401


@pytest.mark.parametrize("n", [1, 50])
def test_user_walks_query_count(auth_client, django_assert_max_num_queries, n):
    person = UserFactory()
    titles = Title.objects.bulk_create(Title(name=f"T{i}", type="game", release_year=2000) for i in range(n))
    Walk.objects.bulk_create(Walk(user=person, title=t, state="completed") for t in titles)
    tally_recount(user_ids=[person.pk])
    # session + user (2), the person (1), whether the caller may see them (1: a block?),
    # count (1), the page joined with its titles (1); the person and the check are cached
    with django_assert_max_num_queries(6):
        response = auth_client.get(f"/api/v1/user/{person.pk}/walks", {"page_size": 50})
    assert len(response.json()["results"]) == n


def test_title_walks_with_users_and_state_filter(auth_client):
    title = TitleFactory()
    done = WalkFactory(title=title, state="completed")
    doing = WalkFactory(title=title, state="in_progress")
    WalkFactory(state="completed")  # another title
    Walk.objects.filter(pk=done.pk).update(updated_at="2026-01-02T00:00:00Z")
    Walk.objects.filter(pk=doing.pk).update(updated_at="2026-01-01T00:00:00Z")
    url = f"/api/v1/titles/{title.pk}/walks"
    body = auth_client.get(url).json()
    assert [w["id"] for w in body["results"]] == [done.pk, doing.pk]
    user = body["results"][0]["user"]
    assert {k: user[k] for k in ("id", "username", "avatar")} == {
        "id": done.user.pk,
        "username": done.user.profile.username,
        "avatar": None,
    }
    assert ".png?" in user["avatar_urls"]["small"]
    assert [w["id"] for w in auth_client.get(url, {"state": "in_progress"}).json()["results"]] == [doing.pk]
    assert auth_client.get(url, {"state": "nope"}).status_code == 400
    assert auth_client.get("/api/v1/titles/999999/walks").status_code == 404


@pytest.mark.parametrize("n", [1, 50])
def test_title_walks_query_count(auth_client, django_assert_max_num_queries, n):
    title = TitleFactory()
    people = [UserFactory(password=None) for _ in range(n)]
    Walk.objects.bulk_create(Walk(user=p, title=title, state="completed") for p in people)
    # session + user (2), the title (1), count (1), the page joined with users and profiles (1)
    with django_assert_max_num_queries(5):
        response = auth_client.get(f"/api/v1/titles/{title.pk}/walks", {"page_size": 50})
    assert len(response.json()["results"]) == n


def test_jwt_of_one_user_cannot_touch_another(user):
    other = UserFactory()
    walk = WalkFactory(user=other)
    assert jwt_client_for(user).delete(f"/api/v1/walks/{walk.pk}").status_code == 404
    assert Walk.objects.filter(pk=walk.pk).exists()
