"""core.filecache: the embedded cache counts exactly across processes."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from core.filecache import FileBasedCache


def _count(location: str, n: int) -> None:
    cache = FileBasedCache(location, {})
    for _ in range(n):
        if not cache.add("hits", 1, 60):
            cache.incr("hits")


def test_add_and_incr_are_atomic_across_processes(tmp_path):
    processes = [
        multiprocessing.get_context("fork").Process(target=_count, args=(str(tmp_path), 100)) for _ in range(4)
    ]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=60)
    assert [p.exitcode for p in processes] == [0] * 4
    assert FileBasedCache(str(tmp_path), {}).get("hits") == 400


def test_incr_keeps_the_expiry_and_refuses_a_missing_or_expired_key(tmp_path):
    cache = FileBasedCache(str(tmp_path), {})
    with pytest.raises(ValueError):
        cache.incr("nothing")
    cache.set("short", 1, 1)
    assert cache.incr("short", 2) == 3
    time.sleep(1.1)
    assert cache.get("short") is None  # incr did not extend it
    with pytest.raises(ValueError):
        cache.incr("short")
    cache.set("forever", 5, None)
    assert cache.incr("forever") == 6
    assert cache.get("forever") == 6
