from __future__ import annotations

import pytest
from django.test import Client

from tests.catalog.factories import TitleFactory, WalkFactory
from tests.factories import UserFactory
from walks import services
from walks.models import Walk, WatchlistEntry

pytestmark = pytest.mark.django_db


def test_add_is_201_then_200_and_one_entry(auth_client):
    title = TitleFactory()
    first = auth_client.post("/api/v1/watchlist", {"title_id": title.pk}, format="json")
    assert first.status_code == 201
    body = first.json()
    assert body["title_id"] == title.pk and body["title"]["name"] == title.name and "added_at" in body
    second = auth_client.post("/api/v1/watchlist", {"title_id": title.pk}, format="json")
    assert second.status_code == 200 and second.json()["id"] == body["id"]
    assert WatchlistEntry.objects.count() == 1


def test_delete_is_204_then_404(auth_client):
    title = TitleFactory()
    auth_client.post("/api/v1/watchlist", {"title_id": title.pk}, format="json")
    assert auth_client.delete(f"/api/v1/watchlist/{title.pk}").status_code == 204
    response = auth_client.delete(f"/api/v1/watchlist/{title.pk}")
    assert response.status_code == 404 and response.json()["code"] == "watchlist_entry_not_found"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [({"title_id": 987654}, 400, "title_not_found"), ({"title_id": "x"}, 400, "invalid"), ({}, 400, "invalid")],
)
def test_bad_input(auth_client, payload, status, code):
    response = auth_client.post("/api/v1/watchlist", payload, format="json")
    assert response.status_code == status and response.json()["code"] == code


def test_a_started_title_cannot_be_added(auth_client):
    walk = WalkFactory(user=auth_client.user)
    response = auth_client.post("/api/v1/watchlist", {"title_id": walk.title_id}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "already_walked"


def test_needs_a_user(api_client):
    title = TitleFactory()
    assert api_client.post("/api/v1/watchlist", {"title_id": title.pk}, format="json").status_code == 401


def test_starting_a_walk_takes_the_title_off_the_watchlist(auth_client, django_capture_on_commit_callbacks):
    title = TitleFactory()
    services.watchlist_add(user=auth_client.user, title_id=title.pk)
    listed = auth_client.get(f"/api/v1/user/{auth_client.user.pk}/watchlist").json()
    assert listed["count"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.post("/api/v1/walks", {"title_id": title.pk, "state": "in_progress"}, format="json")
    assert not WatchlistEntry.objects.exists()
    # The cached list was dropped by the walk.
    assert auth_client.get(f"/api/v1/user/{auth_client.user.pk}/watchlist").json()["count"] == 0


@pytest.mark.parametrize("size", [3, 30])
def test_list_is_paginated_newest_first_in_constant_queries(auth_client, django_assert_max_num_queries, size):
    owner = UserFactory()
    titles = TitleFactory.create_batch(size)
    for t in titles:
        services.watchlist_add(user=owner, title_id=t.pk)
    # user (auth) + public user + count + page
    with django_assert_max_num_queries(6):
        response = auth_client.get(f"/api/v1/user/{owner.pk}/watchlist")
    body = response.json()
    assert body["count"] == size
    assert body["results"][0]["title_id"] == titles[-1].pk
    assert set(body) == {"count", "next", "previous", "results"}


def test_list_of_a_missing_user_is_404(auth_client):
    assert auth_client.get("/api/v1/user/999999/watchlist").status_code == 404


def test_bulk_add_skips_started_and_existing():
    person = UserFactory()
    a, b, c = TitleFactory.create_batch(3)
    WalkFactory(user=person, title=a)
    services.watchlist_add(user=person, title_id=b.pk)
    result = services.watchlist_bulk_add(user=person, title_ids=[a.pk, b.pk, c.pk, c.pk])
    assert result == {a.pk: "walked", b.pk: "kept", c.pk: "created"}
    assert set(WatchlistEntry.objects.filter(user=person).values_list("title_id", flat=True)) == {b.pk, c.pk}


def test_bulk_upsert_walks_keeps_unless_overwrite():
    person = UserFactory()
    a, b = TitleFactory.create_batch(2)
    WalkFactory(user=person, title=a, state="in_progress")
    services.watchlist_add(user=person, title_id=b.pk)
    assert services.walks_bulk_upsert(user=person, states={a.pk: "completed", b.pk: "completed"}) == {
        a.pk: "kept",
        b.pk: "created",
    }
    assert Walk.objects.get(user=person, title=a).state == "in_progress"
    assert not WatchlistEntry.objects.exists()
    assert services.walks_bulk_upsert(user=person, states={a.pk: "completed"}, overwrite=True) == {a.pk: "updated"}
    assert Walk.objects.get(user=person, title=a).state == "completed"


def test_title_page_toggle_and_profile_tab(django_capture_on_commit_callbacks):
    person = UserFactory(username="wanter")
    title = TitleFactory(name="Outer Wilds", type="game")
    client = Client()
    client.force_login(person)
    page = client.get(f"/titles/{title.pk}/").content.decode()
    assert "Want to play" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/titles/{title.pk}/watchlist/", {"action": "add"})
    assert WatchlistEntry.objects.filter(user=person, title=title).exists()
    assert "On your watchlist" in client.get(f"/titles/{title.pk}/").content.decode()
    tab = client.get("/u/wanter/?tab=watchlist").content.decode()
    assert "Outer Wilds" in tab
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/titles/{title.pk}/watchlist/", {"action": "remove"})
    assert not WatchlistEntry.objects.exists()
    assert "Outer Wilds" not in client.get("/u/wanter/?tab=watchlist").content.decode()
