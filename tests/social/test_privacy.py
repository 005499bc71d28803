"""A private person's walks, reviews, statistics, lists and feed entries are
theirs and their approved followers' only, at every door."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reviews.services import title_rating_recompute
from social import services
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.conftest import jwt_client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    owner = UserFactory(username="hidden")
    title = TitleFactory(name="Pathologic")
    WalkFactory(user=owner, title=title)
    ReviewFactory(user=owner, title=title, rating=90, text="A secret opinion")
    public_reviewer = UserFactory(username="loud")
    ReviewFactory(user=public_reviewer, title=title, rating=50, text="Everyone may read this")
    title_rating_recompute(title_id=title.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.privacy_set(user=owner, is_private=True)
    follower, stranger, blocked = UserFactory(), UserFactory(), UserFactory()
    services.follow_create(follower=follower, followee_id=owner.pk)
    services.follow_approve(followee=owner, follower_id=follower.pk)
    services.follow_create(follower=stranger, followee_id=owner.pk)  # pending
    return {"owner": owner, "title": title, "follower": follower, "stranger": stranger, "blocked": blocked}


PAGES = ["/u/hidden/", "/u/hidden/stats/", f"/u/hidden/year/{YEAR}/", f"/u/hidden/year/{YEAR}/card.png",
         "/u/hidden/followers/", "/u/hidden/following/"]  # fmt: skip


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_for_the_owner_and_approved_followers(client, world, path):
    assert client.get(path).status_code == 403  # anonymous
    for who, expected in (("stranger", 403), ("follower", 200), ("owner", 200)):
        client.force_login(world[who])
        assert client.get(path).status_code == expected, who


def test_the_private_profile_page_shows_only_a_request_button(client, world):
    client.force_login(world["stranger"])
    html = client.get("/u/hidden/").content.decode()
    assert "A secret opinion" not in html and "Pathologic" not in html and "private" in html


API = ["walks", "reviews", "stats", f"year/{YEAR}", "followers", "following"]


@pytest.mark.parametrize("what", API)
def test_the_api_lists_are_for_the_owner_and_approved_followers(world, what):
    url = f"/api/v1/user/{world['owner'].pk}/{what}"
    response = jwt_client_for(world["stranger"]).get(url)
    assert response.status_code == 403 and response.json()["code"] == "profile_private"
    assert jwt_client_for(world["follower"]).get(url).status_code == 200
    assert jwt_client_for(world["owner"]).get(url).status_code == 200


def test_a_blocked_person_sees_nothing_even_of_a_public_profile(world, django_capture_on_commit_callbacks):
    owner = world["owner"]
    with django_capture_on_commit_callbacks(execute=True):
        services.privacy_set(user=owner, is_private=False)
    client = jwt_client_for(world["blocked"])
    assert client.get(f"/api/v1/user/{owner.pk}/walks").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.block_create(blocker=owner, blocked_id=world["blocked"].pk)
    assert client.get(f"/api/v1/user/{owner.pk}/walks").status_code == 403
    assert client.get(f"/api/v1/user/{owner.pk}/stats").status_code == 403


def test_title_pages_count_private_ratings_and_show_a_private_member(client, world):
    title = world["title"]
    html = client.get(f"/titles/{title.pk}/").content.decode()
    assert "a private member" in html and "A secret opinion" not in html and "/u/hidden/" not in html
    assert "Everyone may read this" in html
    assert 'data-testid="rating-value">70<' in html  # (90 + 50) / 2: the private rating counts
    reviews = jwt_client_for(world["stranger"]).get(f"/api/v1/titles/{title.pk}/reviews").json()["results"]
    hidden = next(r for r in reviews if r["by_private_member"])
    assert hidden["user"] is None and hidden["user_id"] is None and hidden["text"] == "" and hidden["rating"] == 90
    walks = jwt_client_for(world["stranger"]).get(f"/api/v1/titles/{title.pk}/walks").json()["results"]
    assert walks == []


def test_going_private_hides_at_once_from_cached_title_pages(client, django_capture_on_commit_callbacks):
    person = UserFactory(username="shy")
    title = TitleFactory()
    ReviewFactory(user=person, title=title, text="Said in public")
    assert "Said in public" in client.get(f"/titles/{title.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.privacy_set(user=person, is_private=True)
    assert "Said in public" not in client.get(f"/titles/{title.pk}/").content.decode()


def test_the_feed_carries_a_private_persons_entries_to_approved_followers_only(world):
    assert len(jwt_client_for(world["follower"]).get("/api/v1/feed").json()["results"]) == 2
    assert jwt_client_for(world["stranger"]).get("/api/v1/feed").json()["results"] == []
