"""core.ratelimit while the shared cache is down: limits hold per process.

The cache here is the production one (django-redis with IGNORE_EXCEPTIONS)
pointed at a port nobody listens on, so every operation fails the way it
does in a Redis outage: ``add`` and ``incr`` answer None, ``get`` the default.
"""

from __future__ import annotations

import socket
import threading

import pytest
from django.core.cache import cache

from core import ratelimit
from core.ratelimit import Limit
from tests.factories import DEFAULT_PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _fresh_local_counters():
    ratelimit._local.clear()
    yield
    ratelimit._local.clear()


@pytest.fixture
def dead_cache(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the probe is: connections are refused
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    # The same answers as config/settings.py's Redis cache gives in an outage.
    assert cache.add("probe", 1) is None
    assert cache.incr("probe") is None


def test_wrong_passwords_are_limited_while_the_cache_is_down(api_client, dead_cache, db):
    user = UserFactory()
    statuses = [
        api_client.post("/api/v1/auth/token", {"email": user.email, "password": "wrong"}, format="json").status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    right = api_client.post("/api/v1/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert right.status_code == 429


def test_the_counter_is_per_window_and_reset_clears_it(dead_cache, monkeypatch):
    limit = Limit("t", 3, 60)
    assert [limit.hit("a") for _ in range(3)] == [1, 2, 3]
    assert limit.count("a") == 3 and limit.is_exceeded("a")
    assert limit.count("b") == 0
    limit.reset("a")
    assert limit.count("a") == 0
    limit.hit("a")
    now = ratelimit.clock()
    monkeypatch.setattr(ratelimit, "clock", lambda: now + 61)  # the next window
    assert limit.count("a") == 0


def test_events_counted_during_the_outage_still_count_after_it(settings, monkeypatch):
    limit = Limit("t", 5, 300)
    monkeypatch.setattr(ratelimit.cache, "add", lambda *a, **k: None)  # down
    assert [limit.hit("a") for _ in range(3)] == [1, 2, 3]
    monkeypatch.undo()  # back, empty (no persistence)
    assert limit.hit("a") == 4
    assert limit.count("a") == 4


def test_the_local_counter_is_thread_safe(dead_cache):
    limit = Limit("t", 1000, 60)
    threads = [threading.Thread(target=lambda: [limit.hit("x") for _ in range(50)]) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert limit.count("x") == 400


def test_the_local_counters_are_bounded(monkeypatch):
    monkeypatch.setattr(ratelimit._LocalCounters, "MAX_KEYS", 100)
    counters = ratelimit._LocalCounters()
    for i in range(1000):
        counters.incr(f"k{i}", 60)
    assert len(counters._counts) <= 100
    assert counters.get("k999") == 1
