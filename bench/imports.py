"""How long 10,000 rows take to import, and how many queries each batch costs.

    python bench/imports.py                 # embedded default: SQLite in a temp dir, file cache
    DATABASE_URL=postgres://... REDIS_URL=redis://... DJANGO_SECRET_KEY=x python bench/imports.py

On SQLite it migrates a fresh database in a temporary directory; on
PostgreSQL it uses (and leaves) the database it is given, under a new user.
Prints the upload (parse + plan) time, the run time, queries per batch and
rows per second. ``BENCH_IMPORT_ROWS`` changes the size (default 10,000);
``BENCH_IMPORT_MATCHED`` how many of them match titles already there.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if not os.environ.get("DATABASE_URL"):
    _tmp = tempfile.mkdtemp(prefix="walks-bench-imports-")
    os.environ["VAR_DIR"] = _tmp
    os.environ["CACHE_DIR"] = os.path.join(_tmp, "cache")
    os.environ["SQLITE_PATH"] = os.path.join(_tmp, "db.sqlite3")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", 10_000))
MATCHED = int(os.environ.get("BENCH_IMPORT_MATCHED", ROWS // 2))
LIMIT_SECONDS = 60  # issue 19: 10,000 rows under a minute


def measure(*, rows: int = ROWS, matched: int = MATCHED, cleanup: bool = False) -> dict:
    """Import ``rows`` Letterboxd rows (``matched`` of them naming titles
    already there) for a new person: the upload (parse + plan), then every
    batch run in this process, timed, with its queries counted. With
    ``cleanup`` the person and the titles made for the run are deleted
    afterwards (the bench database stays as it was filled)."""
    if connection.vendor == "sqlite":
        settings.DATABASES["default"]["NAME"] = os.environ["SQLITE_PATH"]
        connection.close()
        connection.settings_dict["NAME"] = os.environ["SQLITE_PATH"]
    call_command("migrate", verbosity=0, interactive=False)
    from accounts.models import User
    from catalog.models import Title
    from catalog.names import name_key
    from imports import services
    from imports.models import ImportJob, Status

    stamp = int(time.time())
    user = User.objects.create_user(f"bench-import-{stamp}@example.com", "bench-pass-2026")
    existing = [Title(name=f"Bench film {stamp} {i}", type="film", release_year=1950 + i % 70) for i in range(matched)]
    for t in existing:
        t.name_key = name_key(t.name)
    Title.objects.bulk_create(existing, batch_size=1000)
    lines = ["Date,Name,Year,Letterboxd URI,Rating"]
    for i in range(rows):
        lines.append(f"2020-01-01,Bench film {stamp} {i},{1950 + i % 70},https://boxd.it/{i},{(i % 10 + 1) / 2}")
    data = ("\r\n".join(lines) + "\r\n").encode()

    try:
        started = time.perf_counter()
        job = services.import_upload(user=user, source="letterboxd", upload=SimpleUploadedFile("ratings.csv", data))
        planned = time.perf_counter()
        ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
        per_batch = []
        while True:
            with CaptureQueriesContext(connection) as queries:
                more = services._batch_run(job.pk)
            if not more:
                break
            per_batch.append(len(queries))
        finished = time.perf_counter()
        job.refresh_from_db()
        reset_queries()
    finally:
        if cleanup:
            Title.objects.filter(name__startswith=f"Bench film {stamp} ").delete()
            user.delete()
    run = finished - planned
    return {
        "database": connection.vendor,
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "rows": rows,
        "matched": matched,
        "upload_seconds": round(planned - started, 2),
        "run_seconds": round(run, 2),
        "total_seconds": round(finished - started, 2),
        "batches": len(per_batch),
        "rows_per_second": round(rows / run) if run else None,
        "queries_per_batch": {"min": min(per_batch, default=0), "max": max(per_batch, default=0)},
        "status": str(job.status),
        "counts": job.counts,
        "limit_seconds": LIMIT_SECONDS,
    }


def main() -> None:
    """``make bench-imports`` prints; ``--json OUT --cleanup`` is how bench/run.py calls it."""
    args = sys.argv[1:]
    out = Path(args[args.index("--json") + 1]) if "--json" in args else None
    r = measure(cleanup="--cleanup" in args)
    print(f"database: {r['database']}; cache: {r['cache']}")
    print(f"rows: {r['rows']} ({r['matched']} match existing titles, {r['rows'] - r['matched']} create titles)")
    print(f"upload (parse + plan): {r['upload_seconds']:.1f} s")
    print(f"run: {r['run_seconds']:.1f} s in {r['batches']} batches, {r['rows_per_second']} rows/s")
    print(f"total: {r['total_seconds']:.1f} s (target < {LIMIT_SECONDS} s)")
    print(f"queries per batch: min {r['queries_per_batch']['min']}, max {r['queries_per_batch']['max']}")
    print(f"status: {r['status']}; counts: {r['counts']}")
    if out:
        out.write_text(json.dumps(r, indent=2, default=str))


if __name__ == "__main__":
    main()
