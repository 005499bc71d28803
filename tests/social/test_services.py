"""Follow, approve, decline, block and privacy, through the services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from core.errors import Forbidden, Invalid, NotFound
from social import selectors, services
from social.models import Block, Follow
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return UserFactory(username="ana")


@pytest.fixture
def ben():
    return UserFactory(username="ben")


def private(user):
    services.privacy_set(user=user, is_private=True)
    user.profile.refresh_from_db()
    return user


def test_following_a_public_person_is_at_once_and_mails_them(ana, ben, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        follow, created = services.follow_create(follower=ana, followee_id=ben.pk)
    assert follow.status == "approved" and created
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [ben.email] and "ana" in mailoutbox[0].subject
    # Following again changes nothing and mails nobody.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.follow_create(follower=ana, followee_id=ben.pk) == (follow, False)
    assert len(mailoutbox) == 1


def test_a_private_person_approves_or_declines(ana, ben, mailoutbox, django_capture_on_commit_callbacks):
    private(ben)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.follow_create(follower=ana, followee_id=ben.pk)[0].status == "pending"
    assert "asks to follow" in mailoutbox[0].subject
    assert not selectors.can_see(ana, ben)
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_approve(followee=ben, follower_id=ana.pk)
    assert selectors.can_see(ana, ben)
    with pytest.raises(NotFound):
        services.follow_approve(followee=ben, follower_id=ana.pk)  # nothing pending any more
    carl = UserFactory()
    services.follow_create(follower=carl, followee_id=ben.pk)
    services.follow_decline(followee=ben, follower_id=carl.pk)
    assert not Follow.objects.filter(follower=carl).exists()


def test_the_emails_can_be_switched_off(ana, ben, mailoutbox, django_capture_on_commit_callbacks):
    services.preferences_update(user=ben, notify_new_follower=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_create(follower=ana, followee_id=ben.pk)
    assert mailoutbox == []
    carl = private(UserFactory())
    services.preferences_update(user=carl, notify_follow_request=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_create(follower=ana, followee_id=carl.pk)
    assert mailoutbox == []


def test_going_public_approves_the_waiting_requests(ana, ben, django_capture_on_commit_callbacks):
    private(ben)
    services.follow_create(follower=ana, followee_id=ben.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.privacy_set(user=ben, is_private=False)
    assert Follow.objects.get(follower=ana).status == "approved"


def test_a_block_ends_follows_both_ways_and_hides_everything(ana, ben, django_capture_on_commit_callbacks):
    services.follow_create(follower=ana, followee_id=ben.pk)
    services.follow_create(follower=ben, followee_id=ana.pk)
    assert selectors.can_see(ana, ben)
    with django_capture_on_commit_callbacks(execute=True):
        services.block_create(blocker=ben, blocked_id=ana.pk)
    assert not Follow.objects.exists()
    assert not selectors.can_see(ana, ben)  # even though ben is public
    assert selectors.can_see(ben, ana)  # the blocker still sees a public profile
    with pytest.raises(Forbidden):
        services.follow_create(follower=ana, followee_id=ben.pk)
    with pytest.raises(Forbidden):
        services.follow_create(follower=ben, followee_id=ana.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.block_delete(blocker=ben, blocked_id=ana.pk)
    assert not Block.objects.exists() and selectors.can_see(ana, ben)


def test_who_may_see_whom(ana, ben):
    anonymous = AnonymousUser()
    assert selectors.can_see(anonymous, ben) and selectors.can_see(ana, ben)
    private(ben)
    assert not selectors.can_see(anonymous, ben) and not selectors.can_see(ana, ben)
    assert selectors.can_see(ben, ben)


def test_nobody_follows_or_blocks_themselves(ana):
    with pytest.raises(Invalid):
        services.follow_create(follower=ana, followee_id=ana.pk)
    with pytest.raises(Invalid):
        services.block_create(blocker=ana, blocked_id=ana.pk)
    with pytest.raises(NotFound):
        services.follow_create(follower=ana, followee_id=999_999)


def test_the_relation_counts_follow_the_writes(ana, ben, django_capture_on_commit_callbacks):
    assert selectors.relation(viewer=ana, owner_id=ben.pk).follow is None
    with django_capture_on_commit_callbacks(execute=True):
        services.follow_create(follower=ana, followee_id=ben.pk)
    rel = selectors.relation(viewer=ana, owner_id=ben.pk)
    assert rel.follow == "approved" and rel.followers == 1
    assert selectors.relation(viewer=ben, owner_id=ana.pk).following == 1
