"""Where each benchmark case spends its time: queries, SQL time, Python time.

    python bench/queries.py CONTEXT.json OUT.json   (with the production environment)

Runs every case's first request in this process through Django's test
client (same settings, same database), twice to warm up and five times
measured, and records for the median run the number of queries, the time spent in SQL, the wall time and
the slowest statement. Then it runs it five times *cold*, with the cache
emptied first (no cached page, user or session: what a request that misses
every cache costs). This explains the wrk figures; it does not replace them.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import provider_cache  # noqa: E402
from bench.run import build_cases  # noqa: E402

REPEAT = 5


def measure(client: Client, method, path, body, content_type, extra) -> dict:
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.generic(method, path, data=body, content_type=content_type, **extra)
        wall = (time.perf_counter() - started) * 1000
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
    slowest = max(queries, default=(0.0, ""))
    return {
        "status": response.status_code,
        "queries": len(queries),
        "sql_ms": round(sum(t for t, _ in queries), 2),
        "wall_ms": round(wall, 2),
        "slowest_ms": round(slowest[0], 2),
        "slowest_sql": slowest[1][:400],
        "bytes": len(response.content),
    }


def run_case(client: Client, line, *, after_wipe=None) -> dict:
    method, path, headers, body = line
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k.lower() != "cookie"}
    cookie = headers.get("Cookie")
    if cookie:
        name, _, value = cookie.partition("=")
        client.cookies[name] = value
    else:
        client.cookies.clear()
    content_type = headers.get("Content-Type", "")
    for _ in range(2):
        client.generic(method, path, data=body, content_type=content_type, **extra)
    warm = [measure(client, method, path, body, content_type, extra) for _ in range(REPEAT)]
    cold = []
    for _ in range(REPEAT):
        cache.delete_pattern("*")  # this project's keys only (the prefix), not Celery's queue
        if after_wipe:
            after_wipe()
        cold.append(measure(client, method, path, body, content_type, extra))
    result = median_run(warm)
    result.update(
        {f"cold_{k}": v for k, v in median_run(cold).items() if k in ("status", "queries", "sql_ms", "wall_ms")}
    )
    return result


def median_run(runs: list[dict]) -> dict:
    """The run with the median wall time (its own query count and SQL time)."""
    return sorted(runs, key=lambda r: r["wall_ms"])[len(runs) // 2]


def main() -> None:
    ctx = json.loads(Path(sys.argv[1]).read_text())
    out = Path(sys.argv[2])
    client = Client(HTTP_HOST="127.0.0.1")
    results = {}
    for case in build_cases(ctx):
        if case.skipped:
            print(f"{case.key:24} skipped: {case.skipped}")
            continue
        # A cold provider search is a call to the provider, which the bench has
        # not: its cold runs find the provider's answer cached, nothing else.
        # (The cold runs of the cases before it emptied the cache: seed it first.)
        after_wipe = provider_cache.seed if case.key == "provider_search" else None
        if after_wipe:
            after_wipe()
        results[case.key] = run_case(client, case.lines[0], after_wipe=after_wipe)
        r = results[case.key]
        print(
            f"{case.key:24} {r['status']} {r['queries']:3d} queries  sql {r['sql_ms']:7.2f} ms  "
            f"wall {r['wall_ms']:7.2f} ms  slowest {r['slowest_ms']:6.2f} ms  "
            f"cold: {r['cold_queries']:3d} queries  wall {r['cold_wall_ms']:7.2f} ms"
        )
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
