"""accounts.user_cache: the signed-in user comes from the cache, and every
change to the user or their profile is seen by the next request."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from accounts.backends import EmailBackend
from accounts.models import User
from accounts.services import profile_update, user_deactivate
from accounts.user_cache import users_changed

pytestmark = pytest.mark.django_db


def test_the_session_user_and_profile_are_read_once(user, django_assert_num_queries):
    backend = EmailBackend()
    assert backend.get_user(user.pk).profile.username == user.profile.username
    with django_assert_num_queries(0):
        cached = backend.get_user(user.pk)
        assert cached.profile.username == user.profile.username


def test_a_profile_change_is_seen_at_once(user):
    backend = EmailBackend()
    backend.get_user(user.pk)
    profile_update(user=user, username="renamed")
    assert backend.get_user(user.pk).profile.username == "renamed"


def test_a_bulk_update_is_seen_once_announced(user):
    backend = EmailBackend()
    assert backend.get_user(user.pk).locale != "ru"
    User.objects.filter(pk=user.pk).update(locale="ru")
    users_changed(user.pk)
    assert backend.get_user(user.pk).locale == "ru"


def test_a_deactivated_user_has_no_session_user_nor_cached_session(user, client):
    client.force_login(user)
    assert client.get("/settings/").status_code == 200  # session and user now cached
    session_key = client.session.session_key
    user_deactivate(user=user)
    assert EmailBackend().get_user(user.pk) is None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)
    assert SESSION_KEY not in store.load()
    assert client.get("/settings/").status_code == 302  # to sign in


def test_my_profile_and_a_public_profile_cost_no_query_once_cached(user, django_assert_num_queries):
    from tests.conftest import jwt_client_for
    from tests.factories import UserFactory

    other = UserFactory()
    client = jwt_client_for(user)
    client.get("/api/v1/user/@me")
    client.get(f"/api/v1/user/{other.pk}")
    with django_assert_num_queries(0):
        assert client.get("/api/v1/user/@me").json()["email"] == user.email
        assert client.get(f"/api/v1/user/{other.pk}").json()["username"] == other.profile.username
    profile_update(user=other, username="someone-else")
    assert client.get(f"/api/v1/user/{other.pk}").json()["username"] == "someone-else"
    user_deactivate(user=other)
    assert client.get(f"/api/v1/user/{other.pk}").status_code == 404


@pytest.mark.parametrize("side", ["user", "group"])
def test_joining_or_leaving_the_curators_shows_at_once(user, side, django_assert_num_queries):
    from django.contrib.auth.models import Group

    from catalog.permissions import CURATORS_GROUP, can_curate

    group = Group.objects.get(name=CURATORS_GROUP)
    fresh = lambda: User.objects.get(pk=user.pk)  # noqa: E731 - a new request's user object
    assert not can_curate(fresh())
    with django_assert_num_queries(0):
        assert not can_curate(user)  # cached
    if side == "user":
        user.groups.add(group)
    else:
        group.user_set.add(user)
    assert can_curate(fresh())
    if side == "user":
        user.groups.remove(group)
    else:
        group.user_set.clear()
    assert not can_curate(fresh())


def test_my_profile_is_never_someone_elses(user):
    from tests.conftest import jwt_client_for
    from tests.factories import UserFactory

    other = UserFactory()
    assert jwt_client_for(user).get("/api/v1/user/@me").json()["email"] == user.email
    assert jwt_client_for(other).get("/api/v1/user/@me").json()["email"] == other.email
    profile_update(user=user, username="new-name")
    assert jwt_client_for(user).get("/api/v1/user/@me").json()["username"] == "new-name"
