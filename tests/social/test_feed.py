"""The feed: the walks and reviews of the people one follows, newest first."""

from __future__ import annotations

import datetime as dt

import pytest

from reviews.models import Review
from social import selectors, services
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory
from walks.models import Walk

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)


def at(model, obj, minutes):
    model.objects.filter(pk=obj.pk).update(updated_at=T0 + dt.timedelta(minutes=minutes))


def test_the_feed_interleaves_walks_and_reviews_of_followed_people_only():
    me, ana, ben, stranger = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    services.follow_create(follower=me, followee_id=ana.pk)
    services.follow_create(follower=me, followee_id=ben.pk)
    at(Walk, WalkFactory(user=ana, title=TitleFactory(name="Walk A")), 1)
    at(Review, ReviewFactory(user=ben, title=TitleFactory(name="Review B"), rating=90), 3)
    at(Walk, WalkFactory(user=ben, title=TitleFactory(name="Walk B")), 2)
    at(Walk, WalkFactory(user=stranger), 9)
    WalkFactory(user=me)
    page = selectors.feed_page(user_id=me.pk)
    assert [(e.kind, e.item.title.name) for e in page.entries] == [
        ("review", "Review B"),
        ("walk", "Walk B"),
        ("walk", "Walk A"),
    ]
    assert not page.has_next


def test_a_pending_request_shows_nothing_until_approved():
    me, secret = UserFactory(), UserFactory()
    services.privacy_set(user=secret, is_private=True)
    WalkFactory(user=secret)
    services.follow_create(follower=me, followee_id=secret.pk)
    assert selectors.feed_page(user_id=me.pk).entries == []
    services.follow_approve(followee=secret, follower_id=me.pk)
    assert len(selectors.feed_page(user_id=me.pk).entries) == 1
    services.block_create(blocker=secret, blocked_id=me.pk)
    assert selectors.feed_page(user_id=me.pk).entries == []


@pytest.mark.parametrize("people", [2, 12])
def test_a_feed_page_takes_three_queries_at_any_size(people, django_assert_max_num_queries):
    me = UserFactory()
    for _ in range(people):
        friend = UserFactory()
        services.follow_create(follower=me, followee_id=friend.pk)
        for title in TitleFactory.create_batch(3):
            WalkFactory(user=friend, title=title)
            ReviewFactory(user=friend, title=title)
    # the page's ids (UNION), its walks, its reviews
    with django_assert_max_num_queries(3):
        page = selectors.feed_page(user_id=me.pk, per_page=10)
        names = [e.item.title.name + e.item.user.profile.username for e in page.entries]
    assert len(names) == 10 and page.has_next
    with django_assert_max_num_queries(3):
        last = selectors.feed_page(user_id=me.pk, number=people * 6 // 10 + 1, per_page=10)
        [e.item.title.name for e in last.entries]
    assert not last.has_next
