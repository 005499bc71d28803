"""The profile page cached whole per visitor: what the visitor does shows at
once, who may see the person is checked on every request, and a warm page
reads only the person's handle."""

from __future__ import annotations

import pytest
from django.test import Client

from social import services as social_services
from tests.catalog.factories import WalkFactory
from tests.factories import UserFactory
from walks import services as walk_services

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.mark.parametrize("walks", [2, 40])
def test_a_warm_profile_page_reads_only_the_persons_handle(walks, django_assert_num_queries):
    person = UserFactory(username="walker")
    WalkFactory.create_batch(walks, user=person)
    visitor = signed_in(UserFactory())
    assert visitor.get("/u/walker/").status_code == 200
    with django_assert_num_queries(1):  # the username (its redirects and 404s are per request)
        response = visitor.get("/u/walker/")
    assert response.status_code == 200 and b'data-testid="follow-panel"' in response.content


def test_the_visitors_follow_shows_on_the_cached_page_at_once(committed):
    person, me = UserFactory(username="walker"), UserFactory()
    visitor = signed_in(me)
    assert b'value="follow"' in visitor.get("/u/walker/").content
    committed(social_services.follow_create, follower=me, followee_id=person.pk)
    assert b'value="unfollow"' in visitor.get("/u/walker/").content


def test_the_persons_new_walk_shows_at_once(committed):
    person = UserFactory(username="walker")
    visitor = signed_in(UserFactory())
    first = WalkFactory(user=person)
    assert first.title.name.encode() in visitor.get("/u/walker/").content
    other = WalkFactory.build().title
    other.save()
    committed(walk_services.walk_upsert, user=person, title_id=other.pk, state="completed")
    assert other.name.encode() in visitor.get("/u/walker/").content


def test_going_private_hides_a_cached_page_from_a_stranger_at_once(committed):
    person = UserFactory(username="walker")
    stranger = signed_in(UserFactory())
    assert stranger.get("/u/walker/").status_code == 200
    committed(social_services.privacy_set, user=person, is_private=True)
    assert stranger.get("/u/walker/").status_code == 403


def test_each_visitor_gets_their_own_page_and_token():
    person = UserFactory(username="walker")
    owner, other = signed_in(person), signed_in(UserFactory(username="someone"))
    owner.get("/u/walker/")
    page = other.get("/u/walker/")
    assert b'value="follow"' in page.content  # not the owner's page
    assert b"someone" in page.content  # the visitor's own menu
    token = page.content.split(b'name="csrfmiddlewaretoken" value="')[1].split(b'"')[0]
    response = other.post("/u/walker/follow/", {"action": "follow", "csrfmiddlewaretoken": token.decode()})
    assert response.status_code == 302
    refused = other.post("/u/walker/follow/", {"action": "follow", "csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403
