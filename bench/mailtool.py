"""Queue e-mails for the fault run and count what arrived.

    python bench/mailtool.py send RUN N QUEUE     queue N messages with keys RUN-0 .. RUN-(N-1)
    python bench/mailtool.py count RUN N DIR      JSON: files per key, duplicates, missing

Messages go through the project's own task (``core.tasks.send_email``, which
calls ``core.mail.deliver`` with the idempotency key), exactly as
``core.mail.send_required`` queues them, only to a queue of the fault run's own.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def message_id_token(key: str) -> str:
    # The same derivation as core.mail.deliver's stable Message-ID.
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def send(run: str, n: int, queue: str) -> None:
    import django

    django.setup()
    from core.tasks import send_email

    for i in range(n):
        send_email.apply_async(
            kwargs={
                "template": "tests/test_ping",
                "to": [f"reader{i}@bench.walks.test"],
                "context": {"word": f"{run}-{i}"},
                "locale": "en",
                "key": f"{run}-{i}",
            },
            queue=queue,
        )
    print(f"queued {n}")


def count(run: str, n: int, directory: str) -> dict:
    wanted = {message_id_token(f"{run}-{i}"): f"{run}-{i}" for i in range(n)}
    per_key: Counter[str] = Counter()
    files = 0
    for path in Path(directory).glob("*.eml"):
        files += 1
        head = path.read_bytes()[:4000].decode(errors="replace")
        for line in head.splitlines():
            if line.lower().startswith("message-id:"):
                token = line.split("<", 1)[-1].split("@", 1)[0]
                if token in wanted:
                    per_key[wanted[token]] += 1
                break
    duplicates = {key: c for key, c in per_key.items() if c > 1}
    missing = [key for key in wanted.values() if per_key[key] == 0]
    return {
        "files": files,
        "keys": n,
        "delivered_keys": n - len(missing),
        "missing": len(missing),
        "duplicates": len(duplicates),
        "duplicate_keys": sorted(duplicates)[:20],
    }


if __name__ == "__main__":
    action, run, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if action == "send":
        send(run, n, sys.argv[4])
    else:
        print(json.dumps(count(run, n, sys.argv[4])))
