"""Cached API lists (core.cache): a repeated list costs no query, and every
write that changes a list is visible in the very next answer."""

from __future__ import annotations

import time

import pytest

from accounts.services import profile_update, user_deactivate
from catalog import services as catalog_services
from reviews import services as review_services
from tests.conftest import jwt_client_for
from tests.factories import UserFactory
from walks import services as walk_services

from .factories import ReviewFactory, TitleFactory, WalkFactory

pytestmark = pytest.mark.django_db

TITLES = "/api/v1/titles"


def names(response) -> list[str]:
    return [item["name"] for item in response.json()["results"]]


def test_a_repeated_list_is_answered_without_a_query(user, django_assert_num_queries):
    TitleFactory.create_batch(3, type="game")
    client = jwt_client_for(user)
    first = client.get(TITLES, {"type": "game"})
    # The user behind the token and the page both come from the cache.
    with django_assert_num_queries(0):
        again = client.get(TITLES, {"type": "game"})
    assert again.json() == first.json()


def test_a_new_title_appears_at_once(curator_client, committed):
    TitleFactory(type="game", name="Alpha")
    assert names(curator_client.get(TITLES, {"type": "game"})) == ["Alpha"]
    created = committed(
        lambda: curator_client.post(TITLES, {"name": "Beta", "type": "game", "release_year": 2001}, format="json")
    )
    assert created.status_code == 201
    assert names(curator_client.get(TITLES, {"type": "game"})) == ["Alpha", "Beta"]
    assert curator_client.get(TITLES, {"type": "game"}).json()["count"] == 2


def test_a_renamed_or_retyped_or_deleted_title_changes_the_lists_at_once(curator, curator_client, committed):
    title = TitleFactory(type="game", name="Alpha")
    assert names(curator_client.get(TITLES, {"type": "game"})) == ["Alpha"]
    assert names(curator_client.get(TITLES, {"type": "film"})) == []

    committed(lambda: catalog_services.title_update(actor=curator, title=title, name="Alpha II"))
    assert names(curator_client.get(TITLES, {"type": "game"})) == ["Alpha II"]

    committed(lambda: catalog_services.title_update(actor=curator, title=title, type="film"))
    assert names(curator_client.get(TITLES, {"type": "game"})) == []
    assert names(curator_client.get(TITLES, {"type": "film"})) == ["Alpha II"]

    committed(lambda: catalog_services.title_delete(actor=curator, title=title))
    assert names(curator_client.get(TITLES, {"type": "film"})) == []


def test_a_new_rating_reaches_the_cached_list_within_its_timeout(user, committed, monkeypatch):
    monkeypatch.setattr("catalog.cache.TITLE_LIST_CACHE_SECONDS", 1)
    title = TitleFactory(type="anime")
    client = jwt_client_for(user)
    assert client.get(TITLES, {"type": "anime"}).json()["results"][0]["rating"] is None
    response = committed(lambda: client.post("/api/v1/reviews", {"title_id": title.pk, "rating": 70}, format="json"))
    assert response.status_code == 201
    assert client.get(f"{TITLES}/{title.pk}").json()["rating"] == 70  # the title itself at once
    time.sleep(1.1)
    item = client.get(TITLES, {"type": "anime"}).json()["results"][0]
    assert (item["rating"], item["rating_count"]) == (70, 1)


def test_the_titles_page_caches_its_list_and_not_the_person(user, client, curator, committed):
    TitleFactory(type="game", name="Alpha")
    assert "Alpha" in client.get("/titles/", {"type": "game"}).content.decode()
    committed(lambda: catalog_services.title_create(actor=curator, name="Beta", type="game", release_year=1999))
    page = client.get("/titles/", {"type": "game"}).content.decode()
    assert "Alpha" in page and "Beta" in page and "2 titles" in page
    client.force_login(user)
    page = client.get("/titles/", {"type": "game"}).content.decode()
    assert user.profile.username in page  # the menu is the visitor's own


def test_answers_differ_by_language_and_host(user):
    TitleFactory.create_batch(21, type="game")
    client = jwt_client_for(user)
    en = client.get(TITLES, {"type": "game"}, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]["cover"]
    ru = client.get(TITLES, {"type": "game"}, HTTP_ACCEPT_LANGUAGE="ru").json()["results"][0]["cover"]
    assert "l=en" in en and "l=ru" in ru
    one = client.get(TITLES, {"type": "game"}, HTTP_HOST="testserver").json()["next"]
    other = client.get(TITLES, {"type": "game"}, HTTP_HOST="localhost").json()["next"]
    assert one.startswith("http://testserver/") and other.startswith("http://localhost/")


def test_a_titles_reviews_follow_every_review_write(user, committed):
    title = TitleFactory()
    other = UserFactory()
    ReviewFactory(title=title, user=other, rating=10, text="first")
    client = jwt_client_for(user)
    url = f"/api/v1/titles/{title.pk}/reviews"
    assert [r["text"] for r in client.get(url).json()["results"]] == ["first"]

    review, _ = committed(lambda: review_services.review_upsert(user=user, title_id=title.pk, rating=90, text="mine"))
    assert [r["text"] for r in client.get(url).json()["results"]] == ["mine", "first"]
    committed(lambda: review_services.review_update(user=user, review_id=review.pk, text="changed"))
    assert [r["text"] for r in client.get(url).json()["results"]] == ["changed", "first"]
    committed(lambda: review_services.review_delete(user=user, review_id=review.pk))
    assert [r["text"] for r in client.get(url).json()["results"]] == ["first"]
    mine = f"/api/v1/user/{user.pk}/reviews"
    assert client.get(mine).json()["count"] == 0


def test_a_deleted_titles_reviews_are_gone_at_once(curator, curator_client, committed):
    title = TitleFactory()
    ReviewFactory(title=title)
    url = f"/api/v1/titles/{title.pk}/reviews"
    assert curator_client.get(url).json()["count"] == 1
    committed(lambda: catalog_services.title_delete(actor=curator, title=title))
    assert curator_client.get(url).status_code == 404


def test_a_users_walks_follow_every_walk_write(user, committed):
    client = jwt_client_for(user)
    url = f"/api/v1/user/{user.pk}/walks"
    WalkFactory(user=user, state="in_progress")
    assert [w["state"] for w in client.get(url).json()["results"]] == ["in_progress"]
    title = TitleFactory()
    walk, _ = committed(lambda: walk_services.walk_upsert(user=user, title_id=title.pk, state="completed"))
    assert [w["state"] for w in client.get(url).json()["results"]] == ["completed", "in_progress"]
    committed(lambda: walk_services.walk_update(user=user, walk_id=walk.pk, state="in_progress"))
    assert [w["state"] for w in client.get(url).json()["results"]] == ["in_progress", "in_progress"]
    committed(lambda: walk_services.walk_delete(user=user, walk_id=walk.pk))
    assert client.get(url).json()["count"] == 1


def test_a_deactivated_user_is_refused_at_once_though_cached(user, committed):
    client = jwt_client_for(user)
    assert client.get(TITLES, {"type": "game"}).status_code == 200
    committed(lambda: user_deactivate(user=user))
    response = client.get(TITLES, {"type": "game"})
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_a_password_change_revokes_cached_access_tokens_at_once(user, committed):
    client = jwt_client_for(user)
    assert client.get(TITLES, {"type": "game"}).status_code == 200
    user.set_password("another-long-passphrase-42")
    committed(user.save)
    response = client.get(TITLES, {"type": "game"})
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_the_title_page_caches_its_reviews_and_walks_until_one_changes(user, client, committed):
    title = TitleFactory()
    other = UserFactory()
    client.force_login(user)
    url = f"/titles/{title.pk}/"
    page = client.get(url).content.decode()
    assert "No reviews yet" in page and "Nobody has marked it yet" in page
    committed(lambda: review_services.review_upsert(user=other, title_id=title.pk, rating=42, text="Quite good"))
    committed(lambda: walk_services.walk_upsert(user=other, title_id=title.pk, state="completed"))
    page = client.get(url).content.decode()
    assert "Quite good" in page and "Nobody has marked it yet" not in page
    assert other.profile.username in page
    # Another person's page shows their own review form, around the same cached lists.
    client.force_login(other)
    assert "Edit your review" in client.get(url).content.decode()


def test_the_profile_page_is_cached_per_owner_and_follows_their_writes(user, client, committed):
    other = UserFactory()
    url = f"/u/{other.profile.username}/"
    client.force_login(user)
    assert "No walks yet." in client.get(url).content.decode()
    title = TitleFactory(name="Outer Wilds")
    committed(lambda: walk_services.walk_upsert(user=other, title_id=title.pk, state="completed"))
    committed(lambda: review_services.review_upsert(user=other, title_id=title.pk, rating=95, text="Wow"))
    page = client.get(url).content.decode()
    assert "Outer Wilds" in page and "Wow" in page and "No walks yet." not in page
    client.force_login(other)
    assert "Edit profile" in client.get(url).content.decode()  # the owner's variant
    client.force_login(user)
    assert "Edit profile" not in client.get(url).content.decode()
    committed(lambda: profile_update(user=other, username="renamed-walker"))
    # The old username redirects to the new one, whose page shows it at once.
    assert client.get(url).headers["Location"] == "/u/renamed-walker/"
    assert "renamed-walker" in client.get(url, follow=True).content.decode()
    assert client.get("/u/999999/").status_code == 404


def test_a_title_and_my_walk_and_review_of_it_are_cached_until_they_change(user, curator, committed):
    title = TitleFactory(name="Celeste")
    client = jwt_client_for(user)
    url = f"{TITLES}/{title.pk}"
    body = client.get(url).json()
    assert (body["walk"], body["review"], body["rating"]) == (None, None, None)
    committed(lambda: walk_services.walk_upsert(user=user, title_id=title.pk, state="completed"))
    committed(lambda: review_services.review_upsert(user=user, title_id=title.pk, rating=88, text=""))
    body = client.get(url).json()
    assert (body["walk"]["state"], body["review"]["rating"], body["rating"]) == ("completed", 88, 88)
    committed(lambda: catalog_services.title_update(actor=curator, title=title, name="Celeste DX"))
    assert client.get(url).json()["name"] == "Celeste DX"
    committed(lambda: catalog_services.title_delete(actor=curator, title=title))
    assert client.get(url).status_code == 404


def test_a_deactivated_persons_lists_are_gone_at_once(user, committed):
    other = UserFactory()
    WalkFactory(user=other)
    ReviewFactory(user=other)
    client = jwt_client_for(user)
    for url in (f"/api/v1/user/{other.pk}/walks", f"/api/v1/user/{other.pk}/reviews"):
        assert client.get(url).json()["count"] == 1
    committed(lambda: user_deactivate(user=other))
    for url in (f"/api/v1/user/{other.pk}/walks", f"/api/v1/user/{other.pk}/reviews"):
        assert client.get(url).status_code == 404
