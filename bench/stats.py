"""Time a person's statistics and year in review, uncached, at the issue's scale.

    python bench/stats.py OUT.json   (with the production environment)

Gives a person ``BENCH_STATS_WALKS`` walks (5,000) and ``BENCH_STATS_REVIEWS``
reviews (2,000) of existing titles (creating titles when the database has too
few), spread over three years, then calls ``stats.selectors.compute_user_stats``
and ``compute_user_year`` directly (no cache at all) several times and
records the queries and the median duration of each. The person is made
once and kept (``bench-stats@walks.localhost``), so a second run measures
the same data; ``BENCH_STATS_USER=<id>`` measures an existing person instead
(``make bench`` passes the fill's heavy user).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from catalog.models import Title  # noqa: E402
from reviews.models import Review  # noqa: E402
from stats import selectors  # noqa: E402
from walks.models import Walk  # noqa: E402
from walks.tally import tally_recount  # noqa: E402

WALKS = int(os.environ.get("BENCH_STATS_WALKS", "5000"))
REVIEWS = int(os.environ.get("BENCH_STATS_REVIEWS", "2000"))
RUNS = int(os.environ.get("BENCH_STATS_RUNS", "15"))
LIMIT_MS = 50
EMAIL = "bench-stats@walks.localhost"


def person() -> User:
    user = User.objects.filter(email=EMAIL).first()
    if user is not None and Walk.objects.filter(user=user).count() == WALKS:
        return user
    if user is None:
        user = User.objects.create_user(EMAIL, None, username="bench-stats")
    Walk.objects.filter(user=user).delete()
    Review.objects.filter(user=user).delete()
    missing = WALKS - Title.objects.count()
    if missing > 0:
        types = ["game", "film", "series", "anime"]
        Title.objects.bulk_create(
            (
                Title(
                    name=f"Stats bench {i}", name_key=f"stats bench {i}", type=types[i % 4], release_year=1960 + i % 65
                )
                for i in range(missing)
            ),
            batch_size=2000,
        )
    rng = random.Random(17)
    ids = list(Title.objects.order_by("?").values_list("id", flat=True)[:WALKS])
    now = timezone.now()
    states = ["in_progress", "completed", "hundred_percent"]
    walks = [Walk(user=user, title_id=tid, state=states[rng.randrange(3)]) for tid in ids]
    Walk.objects.bulk_create(walks, batch_size=2000)
    tally_recount(user_ids=[user.pk])  # the kept walk counts, as the writers keep them
    Review.objects.bulk_create(
        (Review(user=user, title_id=tid, rating=rng.randrange(101)) for tid in ids[:REVIEWS]), batch_size=2000
    )
    # Spread the history over three years (auto_now set "now" on insert).
    with connection.cursor() as cursor:
        for table in ("walks_walk", "reviews_review"):
            cursor.execute(
                f"UPDATE {table} SET updated_at = %s - (random() * interval '1095 days') WHERE user_id = %s",
                [now, user.pk],
            )
    return user


def timed(fn) -> dict:
    fn()  # warm the connection and Python's caches, not Django's
    runs, queries = [], 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    return {
        "queries": queries,
        "median_ms": round(statistics.median(runs), 2),
        "min_ms": round(min(runs), 2),
        "max_ms": round(max(runs), 2),
        "runs": len(runs),
    }


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    # bench/run.py names the filled database's heavy user (BENCH_HEAVY_WALKS walks);
    # alone, the script makes (once) and measures a person of its own.
    given = os.environ.get("BENCH_STATS_USER")
    user = User.objects.get(pk=int(given)) if given else person()
    today = timezone.localdate()
    result = {
        "user": user.pk,
        "walks": Walk.objects.filter(user=user).count(),
        "reviews": Review.objects.filter(user=user).count(),
        "limit_ms": LIMIT_MS,
        "database": connection.vendor,
        "stats": timed(lambda: selectors.compute_user_stats(user_id=user.pk, today=today)),
        "year": timed(lambda: selectors.compute_user_year(user_id=user.pk, year=today.year)),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    text = json.dumps(result, indent=2)
    if out:
        out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
