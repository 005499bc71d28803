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


def main() -> None:
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
    existing = [Title(name=f"Bench film {stamp} {i}", type="film", release_year=1950 + i % 70) for i in range(MATCHED)]
    for t in existing:
        t.name_key = name_key(t.name)
    Title.objects.bulk_create(existing, batch_size=1000)
    lines = ["Date,Name,Year,Letterboxd URI,Rating"]
    for i in range(ROWS):
        lines.append(f"2020-01-01,Bench film {stamp} {i},{1950 + i % 70},https://boxd.it/{i},{(i % 10 + 1) / 2}")
    data = ("\r\n".join(lines) + "\r\n").encode()

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
    run = finished - planned
    print(f"database: {connection.vendor}; cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}")
    print(f"rows: {ROWS} ({MATCHED} match existing titles, {ROWS - MATCHED} create titles)")
    print(f"upload (parse + plan): {planned - started:.1f} s")
    print(f"run: {run:.1f} s in {len(per_batch)} batches, {ROWS / run:.0f} rows/s")
    print(f"total: {finished - started:.1f} s")
    print(f"queries per batch: min {min(per_batch)}, max {max(per_batch)}")
    print(f"status: {job.status}; counts: {job.counts}")


if __name__ == "__main__":
    main()
