"""The signed-in home page from the cache: the person's own writes show at
once, a cached answer takes a constant few queries."""

from __future__ import annotations

import pytest

from catalog.models import Title
from reviews import services as review_services
from reviews.models import Review
from social import services as social_services
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory
from walks import services as walk_services
from walks.models import Walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client, user):
    client.force_login(user)
    return client


def test_own_walk_review_and_follow_show_at_once(member, user, committed):
    assert "Celeste" not in member.get("/").content.decode()  # cached now
    title = TitleFactory(name="Celeste")
    committed(walk_services.walk_upsert, user=user, title_id=title.pk, state="in_progress")
    assert "Celeste" in member.get("/").content.decode()

    other = TitleFactory(name="Hades")
    committed(review_services.review_upsert, user=user, title_id=other.pk, rating=93, text="Again and again")
    assert "Again and again" in member.get("/").content.decode()
    review = Review.objects.get(user=user, title=other)
    committed(review_services.review_delete, user=user, review_id=review.pk)
    assert "Again and again" not in member.get("/").content.decode()

    friend = UserFactory(username="friend")
    ReviewFactory(user=friend, title=TitleFactory(name="Disco Elysium"), rating=99, text="Tremendous.")
    assert "Tremendous." not in member.get("/").content.decode()
    committed(social_services.follow_create, follower=user, followee_id=friend.pk)
    assert "Tremendous." in member.get("/").content.decode()


def test_each_person_sees_their_own(client, committed):
    a, b = UserFactory(), UserFactory()
    committed(walk_services.walk_upsert, user=a, title_id=TitleFactory(name="Only A's").pk, state="completed")
    client.force_login(a)
    assert "Only A&#x27;s" in client.get("/").content.decode()
    client.force_login(b)
    assert "Only A&#x27;s" not in client.get("/").content.decode()


@pytest.mark.parametrize("n", [1, 50])
def test_a_cached_home_page_takes_a_constant_few_queries(member, user, django_assert_max_num_queries, n):
    titles = Title.objects.bulk_create(Title(name=f"T{i}", type="game", release_year=2000) for i in range(n))
    Walk.objects.bulk_create(Walk(user=user, title=t, state="completed") for t in titles)
    Review.objects.bulk_create(Review(user=user, title=t, rating=70) for t in titles)
    for _ in range(min(n, 5)):
        social_services.follow_create(follower=user, followee_id=UserFactory().pk)
    member.get("/")  # computes and caches the activity and the feed
    # session, user, profile (layout); the link offers waiting (1); the other apps' hooks;
    # the activity and the feed come from the cache
    with django_assert_max_num_queries(5):
        response = member.get("/")
    assert response.status_code == 200
    assert "Your recent walks" in response.content.decode()


@pytest.mark.parametrize("n", [1, 30])
def test_a_warm_home_page_reads_only_the_link_offers(member, user, django_assert_num_queries, n):
    """Cached whole per visitor; only the offers waiting for them (other
    accounts' rows) are drawn for every answer: one query, at any size."""
    for _ in range(n):
        WalkFactory(user=user)
    assert member.get("/").status_code == 200
    with django_assert_num_queries(1):
        response = member.get("/")
    assert response.status_code == 200 and user.profile.username in response.content.decode()


def test_a_link_offer_shows_on_a_cached_home_page_at_once(member, user):
    from linking import services as linking

    assert b'class="link-offers"' not in member.get("/").content  # cached, no offer
    linking.link_offer_create(user=UserFactory(), email=user.email)
    assert b'class="link-offers"' in member.get("/").content


def test_the_anonymous_home_page_is_cached_with_each_visitors_own_token(client, django_assert_num_queries):
    first = client.get("/")
    assert first.status_code == 200
    with django_assert_num_queries(0):
        again = client.get("/")
    assert again.status_code == 200 and b"Keep track of everything" in again.content
