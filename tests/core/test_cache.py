"""core.cache: versioned entries, one round trip per read, stale never served."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.cache.backends.dummy import DummyCache

from core.cache import bump, cache_key, cached


class Counter:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"value": self.calls}


def test_a_value_is_computed_once_then_served_from_the_cache():
    compute = Counter()
    key = cache_key("things", 1)
    assert cached("things", key, compute, timeout=60) == {"value": 1}
    assert cached("things", key, compute, timeout=60) == {"value": 1}
    assert compute.calls == 1


def test_a_bump_makes_every_entry_of_the_scope_stale_and_no_other():
    compute, other = Counter(), Counter()
    keys = [cache_key("things", n) for n in range(3)]
    for key in keys:
        cached("things", key, compute, timeout=60)
    cached("others", cache_key("others"), other, timeout=60)
    bump("things")
    assert [cached("things", key, compute, timeout=60) for key in keys] == [{"value": 4}, {"value": 5}, {"value": 6}]
    assert cached("others", cache_key("others"), other, timeout=60) == {"value": 1}
    assert other.calls == 1


def test_a_lost_version_never_revives_an_old_entry():
    compute = Counter()
    key = cache_key("things")
    cached("things", key, compute, timeout=60)
    cache.delete("v:things")  # evicted, or the cache restarted without its entries
    assert cached("things", key, compute, timeout=60) == {"value": 2}
    assert cached("things", key, compute, timeout=60) == {"value": 2}  # cached under the scope's new version


def test_an_error_is_not_cached():
    def failing():
        raise ValueError("no")

    key = cache_key("things")
    with pytest.raises(ValueError):
        cached("things", key, failing, timeout=60)
    assert cached("things", key, Counter(), timeout=60) == {"value": 1}


def test_without_a_working_cache_every_read_computes(monkeypatch):
    monkeypatch.setattr("core.cache.cache", DummyCache("down", {}))
    compute = Counter()
    key = cache_key("things")
    assert cached("things", key, compute, timeout=60) == {"value": 1}
    assert cached("things", key, compute, timeout=60) == {"value": 2}
    bump("things")  # a no-op, not an error


def test_an_entry_of_several_scopes_is_stale_when_any_of_them_is_bumped():
    compute = Counter()
    key = cache_key("page")
    assert cached(("reviews", "walks"), key, compute, timeout=60) == {"value": 1}
    assert cached(("reviews", "walks"), key, compute, timeout=60) == {"value": 1}
    bump("walks")
    assert cached(("reviews", "walks"), key, compute, timeout=60) == {"value": 2}
    bump("reviews")
    assert cached(("reviews", "walks"), key, compute, timeout=60) == {"value": 3}
    assert cached(("reviews", "walks"), key, compute, timeout=60) == {"value": 3}


def test_a_nested_read_of_the_same_scope_on_a_cold_cache_still_stores_the_outer_value():
    # The profile page caches its body under a person's walks scope, and the
    # body reads their walk counts, cached under the same scope: on a cold
    # cache the inner read starts the scope, and the outer one must still store.
    inner, outer = Counter(), Counter()

    def body():
        return {"counts": cached("walks:user:1", cache_key("walks:user:1", "counts"), inner, timeout=60), **outer()}

    first = cached(("walks:user:1",), cache_key("walks:user:1", "body"), body, timeout=60)
    second = cached(("walks:user:1",), cache_key("walks:user:1", "body"), body, timeout=60)
    assert first == second
    assert (inner.calls, outer.calls) == (1, 1)
