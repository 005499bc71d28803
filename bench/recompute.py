"""Time the rating recomputation of the title with the most reviews.

    python bench/recompute.py OUT.json   (with the production environment)

Calls the reviews app's own service (``reviews.services.title_rating_recompute``,
or the task's function when the service is named differently) directly, in
this process, several times, and records each duration; the median is the
figure. Falls back to timing the equivalent SQL, and says so, when neither
exists yet.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from catalog.models import Title  # noqa: E402

CANDIDATES = [
    ("reviews.services", "title_rating_recompute"),
    ("reviews.services", "title_recompute_rating"),
    ("reviews.services", "rating_recompute"),
    ("reviews.tasks", "recompute_title_rating"),
    ("reviews.tasks", "title_rating_recompute"),
]

SQL = """
UPDATE catalog_title t SET rating = r.mean, rating_count = r.n
FROM (SELECT avg(rating)::float8 AS mean, count(*) AS n FROM reviews_review WHERE title_id = %(id)s) r
WHERE t.id = %(id)s
"""


def find_function():
    for module_name, attr in CANDIDATES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        func = getattr(module, attr, None)
        if func is None:
            continue
        # A Celery task: time its body, not a round trip through the broker.
        func = getattr(func, "run", func)
        return f"{module_name}.{attr}", func
    return None, None


def call_for(func, title: Title):
    params = inspect.signature(func).parameters
    if "title_id" in params:
        return lambda: func(title_id=title.pk)
    if "title" in params:
        return lambda: func(title=title)
    if "pk" in params:
        return lambda: func(pk=title.pk)
    return lambda: func(title.pk)


def main() -> None:
    out = Path(sys.argv[1])
    runs = int(os.environ.get("BENCH_RECOMPUTE_RUNS", 9))
    with connection.cursor() as cur:
        cur.execute("SELECT title_id, count(*) FROM reviews_review GROUP BY title_id ORDER BY count(*) DESC LIMIT 1")
        title_id, reviews = cur.fetchone()
    title = Title.objects.get(pk=title_id)
    name, func = find_function()
    if func is None:
        name = "SQL fallback (no recompute service found)"

        def call():
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(SQL, {"id": title_id})
    else:
        call = call_for(func, title)

    call()  # warm the connection and the pages
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        durations.append((time.perf_counter() - started) * 1000)
    title.refresh_from_db()
    with connection.cursor() as cur:
        cur.execute("SELECT avg(rating)::float8, count(*) FROM reviews_review WHERE title_id = %s", [title_id])
        mean, count = cur.fetchone()
    result = {
        "function": name,
        "title_id": title_id,
        "reviews": reviews,
        "runs_ms": [round(d, 2) for d in durations],
        "median_ms": round(statistics.median(durations), 2),
        "min_ms": round(min(durations), 2),
        "max_ms": round(max(durations), 2),
        "correct": title.rating_count == count and abs((title.rating or 0) - (mean or 0)) < 1e-6,
    }
    out.write_text(json.dumps(result, indent=2))
    print(f"recompute of title {title_id} ({reviews} reviews) with {name}: median {result['median_ms']} ms")


if __name__ == "__main__":
    main()
