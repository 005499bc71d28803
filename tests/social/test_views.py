from __future__ import annotations

import pytest

from social.models import Follow, Preferences
from tests.catalog.factories import ReviewFactory, TitleFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(client):
    user = UserFactory(username="me")
    client.force_login(user)
    return user


def test_follow_from_the_profile_and_see_them_in_the_feed(client, me):
    friend = UserFactory(username="friend")
    ReviewFactory(user=friend, title=TitleFactory(name="Disco Elysium"), rating=99, text="Tremendous.")
    html = client.get("/u/friend/").content.decode()
    assert 'value="follow"' in html
    response = client.post("/u/friend/follow/", {"action": "follow", "next": "/u/friend/"})
    assert response.status_code == 302 and response["Location"] == "/u/friend/"
    assert Follow.objects.get(follower=me).status == "approved"
    home = client.get("/").content.decode()
    assert "Disco Elysium" in home and "Tremendous." in home
    assert client.post("/u/friend/follow/", {"action": "nope"}).status_code == 400
    assert client.post("/u/friend/follow/", {"action": "follow", "next": "https://evil.test/"})["Location"] == (
        "/u/friend/"
    )


def test_approve_a_request_from_the_followers_page(client, me):
    asker = UserFactory(username="asker")
    client.post("/settings/following/", {"is_private": "on", "notify_new_follower": "on"})
    me.profile.refresh_from_db()
    assert me.profile.is_private
    assert Preferences.objects.get(user=me).notify_follow_request is False
    client.force_login(asker)
    client.post("/u/me/follow/", {"action": "follow"})
    assert Follow.objects.get().status == "pending"
    client.force_login(me)
    page = client.get("/u/me/followers/").content.decode()
    assert "asker" in page and 'value="approve"' in page
    client.post(f"/follow-requests/{asker.pk}/", {"action": "approve"})
    assert Follow.objects.get().status == "approved"


def test_settings_show_the_privacy_panel(client, me):
    html = client.get("/settings/").content.decode()
    assert 'name="is_private"' in html and 'name="notify_follow_request"' in html


@pytest.mark.parametrize("people", [2, 10])
def test_the_home_page_with_a_feed_takes_the_same_queries_at_two_sizes(
    client, me, people, django_assert_max_num_queries
):
    from social import services

    for _ in range(people):
        friend = UserFactory()
        services.follow_create(follower=me, followee_id=friend.pk)
        for title in TitleFactory.create_batch(3):
            ReviewFactory(user=friend, title=title)
    client.get("/")  # warm the session and user caches
    # session, the feed's three, the recent activity's and the link offers' few
    with django_assert_max_num_queries(12):
        assert client.get("/").status_code == 200
