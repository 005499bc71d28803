from __future__ import annotations

import pytest

from social.models import Follow
from tests.catalog.factories import WalkFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_follow_and_unfollow(auth_client):
    other = UserFactory()
    response = auth_client.post(f"/api/v1/user/{other.pk}/follow")
    assert response.status_code == 201 and response.json() == {"status": "approved"}
    assert auth_client.post(f"/api/v1/user/{other.pk}/follow").status_code == 200
    followers = auth_client.get(f"/api/v1/user/{other.pk}/followers").json()
    assert [p["id"] for p in followers["results"]] == [auth_client.user.pk]
    assert auth_client.delete(f"/api/v1/user/{other.pk}/follow").status_code == 204
    assert not Follow.objects.exists()


def test_a_private_person_approves_through_the_api(auth_client):
    from tests.conftest import jwt_client_for

    owner = UserFactory()
    owner_client = jwt_client_for(owner)
    assert owner_client.patch("/api/v1/user/@me/privacy", {"is_private": True}, format="json").json()["is_private"]
    assert auth_client.post(f"/api/v1/user/{owner.pk}/follow").json() == {"status": "pending"}
    requests = owner_client.get("/api/v1/user/@me/follow-requests").json()["results"]
    assert [p["id"] for p in requests] == [auth_client.user.pk]
    url = f"/api/v1/user/@me/follow-requests/{auth_client.user.pk}"
    assert owner_client.post(url, {"action": "nope"}, format="json").status_code == 400
    assert owner_client.post(url, {"action": "approve"}, format="json").status_code == 204
    assert Follow.objects.get().status == "approved"
    assert owner_client.post(url, {"action": "approve"}, format="json").json()["code"] == "follow_request_not_found"


def test_block_through_the_api(auth_client):
    other = UserFactory()
    auth_client.post(f"/api/v1/user/{other.pk}/follow")
    from tests.conftest import jwt_client_for

    assert jwt_client_for(other).post(f"/api/v1/user/{auth_client.user.pk}/block").status_code == 204
    response = auth_client.post(f"/api/v1/user/{other.pk}/follow")
    assert response.status_code == 403 and response.json()["code"] == "follow_blocked"


def test_errors_have_codes(auth_client):
    assert auth_client.post(f"/api/v1/user/{auth_client.user.pk}/follow").json()["code"] == "follow_self"
    assert auth_client.post("/api/v1/user/999999/follow").json()["code"] == "user_not_found"
    assert auth_client.get("/api/v1/feed?page=x").json()["code"] == "invalid_page"
    assert auth_client.patch("/api/v1/user/@me/privacy", {"is_private": "maybe"}, format="json").status_code == 400


def test_the_feed_api(auth_client):
    other = UserFactory(username="friend")
    auth_client.post(f"/api/v1/user/{other.pk}/follow")
    WalkFactory(user=other, state="hundred_percent")
    data = auth_client.get("/api/v1/feed").json()
    assert data["page"] == 1 and data["next"] is None and data["previous"] is None
    (entry,) = data["results"]
    assert entry["kind"] == "walk" and entry["state"] == "hundred_percent" and entry["user"]["username"] == "friend"
    assert entry["rating"] is None and entry["title"]["id"]


def test_the_api_needs_a_sign_in(api_client):
    assert api_client.get("/api/v1/feed").status_code == 401


@pytest.mark.parametrize("people", [1, 12])
def test_a_warm_feed_is_answered_from_the_cache_at_two_sizes(auth_client, people, django_assert_num_queries):
    from social import services

    for _ in range(people):
        friend = UserFactory()
        services.follow_create(follower=auth_client.user, followee_id=friend.pk)
        WalkFactory(user=friend)
    first = auth_client.get("/api/v1/feed")
    assert first.status_code == 200 and len(first.json()["results"]) == people
    with django_assert_num_queries(0):
        again = auth_client.get("/api/v1/feed")
    assert again.json() == first.json()


def test_a_follow_or_an_unfollow_shows_in_the_cached_feed_at_once(auth_client, django_capture_on_commit_callbacks):
    friend = UserFactory(username="friend")
    WalkFactory(user=friend)
    assert auth_client.get("/api/v1/feed").json()["results"] == []  # cached, empty
    with django_capture_on_commit_callbacks(execute=True):  # the follow's scope bump runs at its commit
        assert auth_client.post(f"/api/v1/user/{friend.pk}/follow").status_code == 201
    (entry,) = auth_client.get("/api/v1/feed").json()["results"]
    assert entry["user"]["username"] == "friend"
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.delete(f"/api/v1/user/{friend.pk}/follow").status_code == 204
    assert auth_client.get("/api/v1/feed").json()["results"] == []


def test_one_persons_cached_feed_is_not_anothers(auth_client):
    from tests.conftest import jwt_client_for

    friend, other = UserFactory(), UserFactory()
    WalkFactory(user=friend)
    auth_client.post(f"/api/v1/user/{friend.pk}/follow")
    assert len(auth_client.get("/api/v1/feed").json()["results"]) == 1
    assert jwt_client_for(other).get("/api/v1/feed").json()["results"] == []
