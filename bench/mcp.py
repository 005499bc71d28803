"""``make bench-mcp``: one MCP ``tools/call`` of ``set_walk`` against the REST
``POST /api/v1/walks`` doing the same write, on one uvicorn server
(``config.asgi``, the embedded default on a temporary SQLite file).

Both doors call ``walks.services.walk_upsert``; the difference is the
door: JSON-RPC parsing, the SDK's stateless transport, the OAuth token
lookup (SHA-256, one query), the per-token rate limit, the thread hop and the
write log row, against DRF, simplejwt and the serializer. Sequential requests
on one keep-alive connection, then BENCH_MCP_THREADS connections in parallel.

Environment: BENCH_MCP_REQUESTS (400), BENCH_MCP_THREADS (4). Writes
bench/results/mcp.json and prints a table. ``make bench`` runs the same
measure (``measure``) against its own database: ``mcp.py --bench OUT``.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
RESULTS = BASE / "bench" / "results"
REQUESTS = int(os.environ.get("BENCH_MCP_REQUESTS", "400"))
THREADS = int(os.environ.get("BENCH_MCP_THREADS", "4"))
STATES = ["in_progress", "completed", "hundred_percent"]
LIMIT_RATIO = 2.0  # issue 19: an MCP tools/call of set_walk within 2x of the REST POST

SETUP = """
import django, json, secrets
django.setup()
from datetime import timedelta
from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import AccessToken, set_token_value
from accounts.models import User
from accounts.services import token_pair_issue
from assistants.services import client_register
from catalog.models import Title
tag = secrets.token_hex(4)  # a new person each run: the bench database may be reused
user = User.objects.create_user(f"bench-mcp-{tag}@example.com", "bench-passphrase-42", username=f"bench-mcp-{tag}")
titles = list(Title.objects.order_by("id").values_list("pk", flat=True)[:50])
if len(titles) < 50:
    titles = [Title.objects.create(name=f"Bench {i}", type="game", release_year=2020).pk for i in range(50)]
app, _ = client_register(metadata={"client_name": "Bench", "redirect_uris": ["https://bench.example/cb"]}, ip="127.0.0.2")
tokens = []
for _ in range(%(tokens)d):  # the per-token limit is 60 calls a minute
    raw = secrets.token_urlsafe(24)
    t = AccessToken(user=user, application=app, scope="walks:read walks:write",
                    expires=timezone.now() + timedelta(hours=1), resource=[settings.MCP_RESOURCE])
    set_token_value(t, raw)
    t.save()
    tokens.append(raw)
print(json.dumps({"jwt": token_pair_issue(user=user)["access"], "oauth": tokens, "titles": titles}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rest(i: int, ctx: dict) -> tuple[str, str, dict]:
    body = {"title_id": ctx["titles"][i % len(ctx["titles"])], "state": STATES[i % 3]}
    return "/api/v1/walks", json.dumps(body), {"Authorization": f"Bearer {ctx['jwt']}"}


def _mcp(i: int, ctx: dict) -> tuple[str, str, dict]:
    body = {
        "jsonrpc": "2.0",
        "id": i,
        "method": "tools/call",
        "params": {
            "name": "set_walk",
            "arguments": {"title_id": ctx["titles"][i % len(ctx["titles"])], "state": STATES[i % 3]},
        },
    }
    token = ctx["oauth"][i // 50 % len(ctx["oauth"])]
    return (
        "/mcp",
        json.dumps(body),
        {"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
    )


def _run(port: int, build, ctx: dict, indices: list[int]) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for i in indices:
        path, body, headers = build(i, ctx)
        started = time.perf_counter()
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json", **headers})
        response = conn.getresponse()
        payload = response.read()
        times.append(time.perf_counter() - started)
        if response.status not in (200, 201) or b'"isError":true' in payload:
            raise SystemExit(f"{path} answered {response.status}: {payload[:300]!r}")
    conn.close()
    return times


def _summary(times: list[float], wall: float) -> dict:
    ordered = sorted(times)
    return {
        "requests": len(times),
        "req_per_s": round(len(times) / wall, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
    }


def measure(*, env: dict[str, str], port: int, requests: int = REQUESTS, threads: int = THREADS) -> dict:
    """Serve ``config.asgi`` on uvicorn at ``port`` with ``env`` (a migrated
    database), make a person, their OAuth tokens and a JWT, and time
    ``requests`` REST POSTs and as many MCP ``tools/call``s of ``set_walk``,
    sequential on one connection and then on ``threads`` connections. The
    ratio is the MCP call's sequential p50 over the REST POST's."""
    tokens = (requests * 2 + 30 * 2) // 50 + 2
    out = subprocess.run(
        [sys.executable, "-c", SETUP % {"tokens": tokens}],
        cwd=BASE,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    ctx = json.loads(out.stdout.strip().splitlines()[-1])
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port), "--log-level", "warning"],
        cwd=BASE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 90  # a loaded machine takes its time to import Django
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not answer on :{port}") from None
                time.sleep(0.2)
        results: dict = {"requests": requests, "threads": threads}
        offset = 0
        for name, build in (("rest_post_walk", _rest), ("mcp_set_walk", _mcp)):
            _run(port, build, ctx, list(range(offset, offset + 30)))  # warm-up
            offset += 30
            started = time.perf_counter()
            times = _run(port, build, ctx, list(range(offset, offset + requests)))
            results[f"{name}_1"] = _summary(times, time.perf_counter() - started)
            offset += requests
            chunks = [list(range(offset + k, offset + requests, threads)) for k in range(threads)]
            started = time.perf_counter()
            with ThreadPoolExecutor(threads) as pool:
                parallel = [t for part in pool.map(lambda c, b=build: _run(port, b, ctx, c), chunks) for t in part]
            results[f"{name}_{threads}"] = _summary(parallel, time.perf_counter() - started)
            offset += requests
    finally:
        server.terminate()
        server.wait(timeout=15)
    results["ratio_p50"] = round(results["mcp_set_walk_1"]["p50_ms"] / results["rest_post_walk_1"]["p50_ms"], 2)
    results["limit_ratio"] = LIMIT_RATIO
    return results


def main() -> None:
    """Alone: the embedded default on a temporary SQLite file. ``--bench OUT``
    (bench/run.py): the environment as given, the bench's PostgreSQL and Redis."""
    args = sys.argv[1:]
    port = _free_port()
    if "--bench" in args:
        out = Path(args[args.index("--bench") + 1])
        env = {**os.environ, "SITE_URL": f"http://127.0.0.1:{port}"}
        results = measure(env=env, port=port)
        results["database"] = "the bench database (PostgreSQL), Redis"
    else:
        out = RESULTS / "mcp.json"
        tmp = Path(tempfile.mkdtemp(prefix="walks-bench-mcp-"))
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
        env.update(
            SQLITE_PATH=str(tmp / "db.sqlite3"), CACHE_DIR=str(tmp / "cache"), EMAIL_FILE_PATH=str(tmp / "mail"),
            MEDIA_ROOT=str(tmp / "media"), SITE_URL=f"http://127.0.0.1:{port}", DJANGO_SETTINGS_MODULE="config.settings",
            LOG_LEVEL="WARNING",
        )  # fmt: skip
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=BASE, env=env, check=True)
        results = measure(env=env, port=port)
        results["database"] = "SQLite (embedded default), file cache"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"{'case':<28}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}")
    for key, value in results.items():
        if isinstance(value, dict):
            print(f"{key:<28}{value['req_per_s']:>8}{value['p50_ms']:>9}{value['p95_ms']:>9}")
    print(f"MCP p50 / REST p50: {results['ratio_p50']} (target <= {LIMIT_RATIO})")


if __name__ == "__main__":
    main()
