"""Time a person's profile, uncached, as their library grows (issue 19).

    python bench/profile_counts.py OUT.json   (SQLITE_PATH=... or DATABASE_URL=..., a database of its own)

Migrates the database it is given, makes the titles it needs and, once, one
person per size in ``BENCH_PROFILE_SIZES`` (1,500 and 10,000 walks, and a
third as many reviews), then requests their profile page (all types, one
type, one state) and the profile API (``/api/v1/user/{id}``, ``/user/@me``)
in this process through Django's test client, the cache emptied before
every request, ``BENCH_PROFILE_RUNS`` (20) times, and records the queries
and the median wall time of each. The people are kept
(``bench-profile-<n>@walks.localhost``), so a second run measures the same data.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from catalog.models import Title  # noqa: E402
from reviews.models import Review  # noqa: E402
from walks.models import Walk  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_PROFILE_SIZES", "1500,10000").split(",")]
RUNS = int(os.environ.get("BENCH_PROFILE_RUNS", "20"))
TYPES = ["game", "film", "series", "anime"]
STATES = ["in_progress", "completed", "hundred_percent"]


def titles(n: int) -> list[int]:
    missing = n - Title.objects.count()
    if missing > 0:
        Title.objects.bulk_create(
            (
                Title(
                    name=f"Profile bench {i}",
                    name_key=f"profile bench {i}",
                    type=TYPES[i % 4],
                    release_year=1960 + i % 65,
                )
                for i in range(missing)
            ),
            batch_size=2000,
        )
    return list(Title.objects.order_by("id").values_list("id", flat=True)[:n])


def person(size: int, ids: list[int]) -> User:
    email = f"bench-profile-{size}@walks.localhost"
    user = User.objects.filter(email=email).first()
    if user is not None and Walk.objects.filter(user=user).count() == size:
        return user
    if user is None:
        user = User.objects.create_user(email, None, username=f"bench-profile-{size}")
    Walk.objects.filter(user=user).delete()
    Review.objects.filter(user=user).delete()
    rng = random.Random(size)
    chosen = rng.sample(ids, size)
    Walk.objects.bulk_create((Walk(user=user, title_id=t, state=rng.choice(STATES)) for t in chosen), batch_size=2000)
    Review.objects.bulk_create(
        (Review(user=user, title_id=t, rating=rng.randrange(101)) for t in chosen[: size // 3]), batch_size=2000
    )
    try:  # the kept counts (walks.tally), where this version has them
        from walks.tally import tally_recount
    except ImportError:
        pass
    else:
        tally_recount(user_ids=[user.pk])
    return user


def empty_cache() -> None:
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")  # this project's keys only (the prefix)
    else:
        cache.clear()


def timed(client: Client, path: str) -> dict:
    client.get(path)  # warm the connection and Python's own caches, not Django's
    runs, sql, queries, status = [], [], 0, 0
    for _ in range(RUNS):
        empty_cache()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            runs.append((time.perf_counter() - started) * 1000)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        queries, status = len(captured.captured_queries), response.status_code
    return {
        "status": status,
        "queries": queries,
        "median_ms": round(statistics.median(runs), 2),
        "min_ms": round(min(runs), 2),
        "sql_median_ms": round(statistics.median(sql), 2),
    }


def counted(user_id: int) -> dict:
    """The counts as the profile read them before the tally: one GROUP BY over all the person's walks."""
    rows = Walk.objects.filter(user_id=user_id).values_list("title__type", "state").annotate(n=Count("id"))
    return {(t, s): n for t, s, n in rows.order_by()}


def kept(user_id: int) -> dict:
    """The counts as the profile reads them now (walks.selectors.user_walk_tallies, uncached)."""
    from walks.models import WalkTally

    rows = WalkTally.objects.filter(user_id=user_id, count__gt=0).values_list("type", "state", "count")
    return {(t, s): n for t, s, n in rows}


def counts_side_by_side(user_id: int) -> dict:
    """Both reads interleaved, so that a loaded machine slows both alike."""
    assert counted(user_id) == kept(user_id)
    runs: dict[str, list[float]] = {"group_by": [], "tally": []}
    for _ in range(RUNS):
        for name, fn in (("group_by", counted), ("tally", kept)):
            started = time.perf_counter()
            fn(user_id)
            runs[name].append((time.perf_counter() - started) * 1000)
    return {name: {"median_ms": round(statistics.median(r), 3), "min_ms": round(min(r), 3)} for name, r in runs.items()}


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    call_command("migrate", verbosity=0)
    ids = titles(max(SIZES) + 2000)
    viewer = User.objects.filter(email="bench-profile-viewer@walks.localhost").first() or User.objects.create_user(
        "bench-profile-viewer@walks.localhost", None, username="bench-profile-viewer"
    )
    result: dict = {"database": connection.vendor, "runs": RUNS, "sizes": {}}
    for size in SIZES:
        user = person(size, ids)
        other, own = Client(), Client()
        other.force_login(viewer)
        own.force_login(user)
        name = user.profile.username
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")  # fresh rows: plans as on a live database
        result["sizes"][size] = {
            "page": timed(other, f"/u/{name}/"),
            "page_type": timed(other, f"/u/{name}/?type=film"),
            "page_state": timed(other, f"/u/{name}/?state=completed"),
            "api_user": timed(other, f"/api/v1/user/{user.pk}"),
            "api_me": timed(own, "/api/v1/user/@me"),
        }
        with contextlib.suppress(ImportError):  # before walks.tally there is nothing to compare
            result["sizes"][size]["counts"] = counts_side_by_side(user.pk)
    text = json.dumps(result, indent=2)
    if out:
        out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
