"""Password restore: time of a request for an existing account and for an
unknown address (issue 12, finding 8). Medians of N requests each, through
the API, with the task queued to a stand-in broker as in production (the
worker's lookup and mail are not part of the request any more).

    python manage.py migrate && python bench/restore_timing.py [N]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from accounts.models import User  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from core import broker  # noqa: E402


def main(n: int) -> None:
    # A fresh address on both sides each time, so the limits' counters start alike.
    run = int(time.time())
    existing = [f"bench-restore-{run}-{i}@example.com" for i in range(n)]
    for address in existing:
        User.objects.create_user(address, "bench-password-123")
    queued = []
    broker.enqueue = lambda task, **kwargs: queued.append(task.name)  # the broker is the edge
    celery_app.conf.task_always_eager = False
    limits = {**settings.RATE_LIMITS, "code-send-ip": (10**9, 3600), "code-send-address": (10**9, 3600)}
    client = Client()
    timings: dict[str, list[float]] = {"existing": [], "unknown": []}
    with override_settings(RATE_LIMITS=limits):
        for i in range(n):
            pair = [("existing", existing[i]), ("unknown", f"nobody-{run}-{i}@example.com")]
            for kind, address in pair if i % 2 else pair[::-1]:  # alternate who goes first
                start = time.perf_counter()
                response = client.post(
                    "/api/v1/auth/password/restore", {"email": address}, content_type="application/json"
                )
                timings[kind].append((time.perf_counter() - start) * 1000)
                assert response.status_code == 202, response.content
    for kind, values in timings.items():
        print(f"{kind:9s} median {statistics.median(values):.2f} ms  (n={len(values)})")
    print(f"tasks queued: {len(queued)} for {2 * n} requests")
    User.objects.filter(email__in=existing).delete()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
