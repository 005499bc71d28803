"""Warm cached API GETs in-process: ms per request and cache round trips.

    python scripts/measure_cached_gets.py [--repeat 200] [--profile CASE]

Builds a throwaway test database (SQLite in memory by default; with
DATABASE_URL, ``test_<name>`` on that server, dropped at the end), a small
catalogue, one signed-in person with walks and reviews, then asks each case
through Django's test client with a JWT, as ``bench/queries.py`` does: two
requests to warm the cache, then ``--repeat`` timed ones; prints the median
and p90 in ms, the median CPU time of this process, and the queries and the
cache round trips (``get``/``get_many`` calls) of one warm request. ``--profile CASE`` prints a cProfile of 1,000
warm requests of that case instead.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "measure-cached-gets")

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402


class RoundTrips:
    """Counts the reads the shared cache is asked for."""

    def __init__(self):
        self.calls = 0
        self.keys = []
        self._depth = 0
        self._get, self._get_many = cache.get, cache.get_many

    def _count(self, read, keys):
        # A backend's get_many may be made of gets (the file cache's): count the outer call.
        if self._depth == 0:
            self.calls += 1
            self.keys.append(keys)
        self._depth += 1
        try:
            return read()
        finally:
            self._depth -= 1

    def __enter__(self):
        def get(key, *a, **k):
            return self._count(lambda: self._get(key, *a, **k), [key])

        def get_many(keys, *a, **k):
            return self._count(lambda: self._get_many(keys, *a, **k), list(keys))

        cache.get, cache.get_many = get, get_many
        return self

    def __exit__(self, *exc):
        cache.get, cache.get_many = self._get, self._get_many


def fill():
    from accounts.services import token_pair_issue
    from reviews.services import title_rating_recompute
    from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
    from tests.factories import UserFactory

    me = UserFactory()
    others = [UserFactory() for _ in range(20)]
    titles = TitleFactory.create_batch(60)
    hot = titles[0]
    for t in titles[:15]:
        WalkFactory(user=me, title=t)
    ReviewFactory(user=me, title=hot, rating=80)
    for person in others:
        ReviewFactory(user=person, title=hot, rating=50)
    title_rating_recompute(title_id=hot.pk)
    return me, hot, token_pair_issue(user=me)["access"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile")
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        if hasattr(cache, "delete_pattern"):
            cache.delete_pattern("*")
        else:
            cache.clear()
        me, hot, token = fill()
        cases = {
            "title_list": "/api/v1/titles?type=game",
            "user_walks": f"/api/v1/user/{me.pk}/walks",
            "title_reviews": f"/api/v1/titles/{hot.pk}/reviews",
            "me": "/api/v1/user/@me",
            "title_detail": f"/api/v1/titles/{hot.pk}",
        }
        client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
        backend = "PostgreSQL" if connection.vendor == "postgresql" else connection.vendor
        print(f"{backend}, cache {type(cache).__module__}.{type(cache).__name__}, {args.repeat} warm requests")
        for name, path in cases.items():
            if args.profile and name != args.profile:
                continue
            for _ in range(3):
                assert client.get(path).status_code == 200, (name, client.get(path).content)
            if args.profile:
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(1000):
                    client.get(path)
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
                pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
                continue
            with CaptureQueriesContext(connection) as queries, RoundTrips() as trips:
                client.get(path)
            times, cpu = [], []
            for _ in range(args.repeat):
                started, started_cpu = time.perf_counter(), time.process_time()
                client.get(path)
                cpu.append((time.process_time() - started_cpu) * 1000)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            # CPU time of this process: what a busy machine disturbs least (it
            # leaves out the waits on PostgreSQL and Redis, which wall time has).
            print(
                f"{name:14} median {statistics.median(times):6.3f} ms  p90 {times[int(len(times) * 0.9)]:6.3f} ms"
                f"  cpu {statistics.median(cpu):6.3f} ms  queries {len(queries)}  cache round trips {trips.calls}"
            )
            if os.environ.get("MEASURE_KEYS"):
                print("   ", trips.keys)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
