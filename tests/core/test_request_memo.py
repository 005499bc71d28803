"""One cache round trip for a warm cached API GET (core.cache.request_memo,
prefetch; accounts.authentication.JWTAuthentication), and the checks it
must never weaken."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from rest_framework.test import APIClient

from accounts.services import password_set, profile_update, user_deactivate
from core import cache as core_cache
from core.cache import bump, cache_get, cache_key, cached, prefetch, read_keys, request_memo
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.conftest import jwt_client_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

API = "/api/v1"


class RoundTrips:
    """Counts the reads asked of the shared cache (a backend's ``get_many``
    made of its own ``get`` calls, as the file cache's is, counts once)."""

    def __init__(self, monkeypatch):
        self.calls = 0
        self._depth = 0
        backend = type(caches["default"])
        for name in ("get", "get_many"):
            monkeypatch.setattr(backend, name, self._counting(getattr(backend, name)))

    def _counting(self, original):
        def read(*args, **kwargs):
            if self._depth == 0:
                self.calls += 1
            self._depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                self._depth -= 1

        return read


@pytest.fixture
def round_trips(monkeypatch):
    return lambda: RoundTrips(monkeypatch)


def _warm(client, path, times=3):
    for _ in range(times):
        response = client.get(path)
        assert response.status_code == 200, response.content
    return response


@pytest.mark.parametrize("size", [3, 30])
def test_a_warm_title_list_is_one_cache_round_trip_and_no_query(user, size, round_trips, django_assert_num_queries):
    TitleFactory.create_batch(size)
    client = jwt_client_for(user)
    path = f"{API}/titles?type=game&page_size=50"
    before = _warm(client, path)
    trips = round_trips()
    with django_assert_num_queries(0):
        response = client.get(path)
    assert trips.calls == 1
    assert response.status_code == 200 and response.content == before.content
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [2, 20])
def test_a_warm_list_of_someones_walks_is_one_round_trip(user, size, round_trips, django_assert_num_queries):
    # The person, whether the caller may see them, and the page: all in the one get_many.
    owner = UserFactory()
    for _ in range(size):
        WalkFactory(user=owner)
    client = jwt_client_for(user)
    path = f"{API}/user/{owner.pk}/walks?page_size=50"
    _warm(client, path)
    trips = round_trips()
    with django_assert_num_queries(0):
        response = client.get(path)
    assert trips.calls == 1
    assert response.json()["count"] == size


@pytest.mark.parametrize("size", [1, 12])
def test_warm_reviews_me_and_the_title_detail_are_one_round_trip(user, size, round_trips, django_assert_num_queries):
    title = TitleFactory()
    ReviewFactory.create_batch(size, title=title)
    WalkFactory(user=user, title=title)
    client = jwt_client_for(user)
    for path in (f"{API}/titles/{title.pk}/reviews", f"{API}/user/@me", f"{API}/titles/{title.pk}"):
        _warm(client, path)
        trips = round_trips()
        with django_assert_num_queries(0):
            assert client.get(path).status_code == 200
        assert trips.calls == 1, path


def test_a_first_request_reads_as_before_and_teaches_the_next(user, round_trips):
    TitleFactory()
    client = jwt_client_for(user)
    path = f"{API}/titles?type=game"
    trips = round_trips()
    client.get(path)  # cold: computes, reading as without the memo
    cold = trips.calls
    trips.calls = 0
    client.get(path)  # what the first one read is fetched at once
    assert cold > 2 and trips.calls == 1


def test_a_deactivated_user_is_refused_on_the_next_request(user):
    client = jwt_client_for(user)
    _warm(client, f"{API}/titles?type=game")
    user_deactivate(user=user)
    response = client.get(f"{API}/titles?type=game")
    assert response.status_code == 401 and response.json()["code"] == "user_inactive"


def test_a_changed_password_revokes_the_token_on_the_next_request(user):
    client = jwt_client_for(user)
    _warm(client, f"{API}/user/@me")
    password_set(user=user, password="another-horse-battery-staple", notify=False)
    response = client.get(f"{API}/user/@me")
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"


def test_a_signed_out_token_family_is_refused_on_the_next_request(user):
    pair = APIClient().post(f"{API}/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair.json()['access']}")
    _warm(client, f"{API}/user/@me")
    assert APIClient().post(f"{API}/auth/logout", {"refresh_token": pair.json()["refresh"]}).status_code == 204
    response = client.get(f"{API}/user/@me")
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"


def test_a_profile_change_shows_on_the_next_request(user):
    client = jwt_client_for(user)
    _warm(client, f"{API}/user/@me")
    profile_update(user=user, username="renamed")
    assert client.get(f"{API}/user/@me").json()["username"] == "renamed"


def test_two_callers_of_one_url_in_one_thread_get_their_own_answers(db):
    a, b = UserFactory(), UserFactory()
    title = TitleFactory()
    WalkFactory(user=a, title=title)
    client_a, client_b = jwt_client_for(a), jwt_client_for(b)
    path = f"{API}/titles/{title.pk}"
    for _ in range(3):
        assert client_a.get(path).json()["walk"] is not None
        assert client_b.get(path).json()["walk"] is None
    assert client_a.get(f"{API}/user/@me").json()["email"] == a.email
    assert client_b.get(f"{API}/user/@me").json()["email"] == b.email


def test_with_the_cache_down_every_request_still_answers(user, monkeypatch):
    TitleFactory()
    client = jwt_client_for(user)
    monkeypatch.setattr("core.cache.cache", DummyCache("down", {}))
    monkeypatch.setattr("accounts.services.cache", DummyCache("down", {}))
    for _ in range(3):
        assert client.get(f"{API}/titles?type=game").json()["count"] == 1
        assert client.get(f"{API}/user/@me").status_code == 200


def test_the_etag_holds_on_a_memo_hit(user):
    client = jwt_client_for(user)
    response = _warm(client, f"{API}/titles?type=game")
    again = client.get(f"{API}/titles?type=game", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


# The memo itself -------------------------------------------------------------


def _entry(scope, name, value):
    """Cache ``value`` under ``scope`` (outside any request) and return its key."""
    key = cache_key(scope, name)
    cached(scope, key, lambda: value, timeout=60)
    return key


def test_nothing_of_a_memo_outlives_its_request(db):
    key = _entry("things", "a", "old")
    with request_memo():
        prefetch(read_keys("things", key), plan=("GET", "/things"))
        assert cached("things", key, lambda: "computed", timeout=60) == "old"
    assert core_cache._memo.get() is None
    bump("things")
    cached("things", key, lambda: "new", timeout=60)
    with request_memo():  # the next request in this thread: nothing of the first one's values
        assert core_cache._memo.get().values == {}
        assert cached("things", key, lambda: "computed", timeout=60) == "new"


def test_a_memo_is_not_seen_by_another_thread(db):
    key = _entry("things", "a", "old")
    seen = []
    with request_memo():
        prefetch(read_keys("things", key))
        thread = threading.Thread(target=lambda: seen.append(core_cache._memo.get()))
        thread.start()
        thread.join()
    assert seen == [None]


def test_a_bump_in_the_request_empties_the_memo(db):
    key = _entry("things", "a", "old")
    with request_memo():
        prefetch(read_keys("things", key))
        bump("things")
        assert cached("things", key, lambda: "new", timeout=60) == "new"


def test_after_a_miss_the_request_reads_the_cache_itself(db):
    # Fetched at the start of the request: "old". Another request changes it
    # meanwhile; this one misses something else and computes: what it reads
    # from then on must be the cache's, not the memo's, since the value it
    # computes is stored at versions read after the memo was.
    key = _entry("inner", "a", "old")
    outer = cache_key("outer", "page")
    with request_memo():
        prefetch([*read_keys("inner", key), *read_keys("outer", outer)])
        # Another process's write: a new version of "inner" and its value.
        cache.set("v:inner", "v2", timeout=None)
        cache.set(key, (("v2",), "new"), timeout=60)
        value = cached("outer", outer, lambda: cached("inner", key, lambda: "computed", timeout=60), timeout=60)
    assert value == "new"


def test_a_plain_key_comes_from_the_memo_once_fetched(db, monkeypatch):
    cache.set("mark", 1)
    with request_memo():
        prefetch(["mark", "absent"])
        monkeypatch.setattr(type(caches["default"]), "get", lambda *a, **k: pytest.fail("read the cache again"))
        assert cache_get("mark") == 1
        assert cache_get("absent", "default") == "default"


def test_plans_are_bounded(db, monkeypatch):
    monkeypatch.setattr(core_cache, "PLAN_ENTRIES", 5)
    monkeypatch.setattr(core_cache, "_plans", core_cache.OrderedDict())
    for n in range(20):
        with request_memo():
            prefetch([f"k{n}"], plan=("GET", n))
            cache_get(f"k{n}")
    assert list(core_cache._plans) == [("GET", n) for n in range(15, 20)]
