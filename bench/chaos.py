"""``make chaos``: faults under load, measured.

1. Steady mixed load: 60 s at 64 connections; zero 5xx and zero socket errors wanted.
2. Redis stopped for 20 s under the same load, then started: pages keep being
   served, what the rate limits do meanwhile, recovery without a restart.
3. PostgreSQL stopped for 10 s under load, then started: 503 (never 500)
   while it is down, recovery without restarting gunicorn.
4. A Celery worker killed (SIGKILL) while it sends e-mails, then restarted:
   every e-mail delivered exactly once by a provider that deduplicates by the
   idempotency key (the file backend does, as Resend does;
   BENCH_MAIL_IDEMPOTENT=0 for one that does not: at least once)? And after
   reviews.tasks.reconcile_all_ratings no title's rating differs from the mean
   of its reviews.

Uses our own PostgreSQL and Redis (bench/harness.py), never the shared ones;
reuses the benchmark's filled database when there is one (CHAOS_FRESH=1 fills
anew with the BENCH_* sizes, defaulting to a 200,000-title catalogue here).

Environment: CHAOS_STEADY (60), CHAOS_CONNECTIONS (64), CHAOS_REDIS_DOWN (20),
CHAOS_PG_DOWN (10), CHAOS_MAILS (300), BENCH_VISIBILITY_TIMEOUT (30),
CHAOS_ONLY ("steady,redis,postgres,worker"), BENCH_MAIL_IDEMPOTENT (1), BENCH_KEEP_SERVICES,
BENCH_NO_REPORT.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import BENCH, PY, RESULTS, ROOT, Harness, env_int, log, write_requests

API = "/api/v1"
CHAOS_DEFAULT_SIZES = {
    "BENCH_TITLES": "200000",
    "BENCH_USERS": "20000",
    "BENCH_WALKS": "400000",
    "BENCH_REVIEWS": "200000",
}


# --- the mixed load -------------------------------------------------------------------------------


def mixed_lines(ctx: dict, n: int = 6000) -> list[tuple[str, str, dict[str, str], str]]:
    rng = random.Random(11)
    jwt = {"Authorization": f"Bearer {ctx['jwt']['caller']}", "Accept": "application/json"}
    cookie = {"Cookie": f"{ctx['session_cookie_name']}={ctx['session']['caller']}", "Accept": "text/html"}
    max_title = ctx["max_title_id"]
    users = ctx["fill"]["rows"]["users"]
    writers = ctx["jwt"]["writers"]
    orderings = ["id", "-id", "release_year", "-release_year", "rating", "-rating"]
    types = ["game", "film", "series", "anime"]
    title_page = ctx["paths"]["title_page"][0].replace(str(ctx["hot_title"]), "{id}")
    profile_page = ctx["paths"]["profile_page"][0].replace(str(ctx["heavy_user"]), "{id}")

    def one() -> tuple[str, str, dict[str, str], str]:
        roll = rng.random()
        if roll < 0.25:
            return (
                "GET",
                f"{API}/titles?type={rng.choice(types)}&ordering={rng.choice(orderings)}&page={rng.randrange(1, 6)}",
                jwt,
                "",
            )
        if roll < 0.30:
            return ("GET", f"{API}/titles?type=game&search={ctx['search']['selective']}", jwt, "")
        if roll < 0.42:
            return ("GET", f"{API}/titles/{rng.randrange(1, max_title + 1)}", jwt, "")
        if roll < 0.50:
            tid = ctx["hot_title"] if rng.random() < 0.3 else rng.randrange(1, max_title + 1)
            return ("GET", f"{API}/titles/{tid}/reviews", jwt, "")
        if roll < 0.58:
            return ("GET", f"{API}/user/{rng.randrange(1, users + 1)}/walks", jwt, "")
        if roll < 0.62:
            return ("GET", f"{API}/user/{rng.randrange(1, users + 1)}", jwt, "")
        if roll < 0.70:
            return ("GET", f"{ctx['paths']['titles_page']}?type={rng.choice(types)}", cookie, "")
        if roll < 0.80:
            return ("GET", title_page.format(id=rng.randrange(1, max_title + 1)), cookie, "")
        if roll < 0.85:
            return ("GET", profile_page.format(id=rng.randrange(1, users + 1)), cookie, "")
        body = json.dumps(
            {"title_id": rng.randrange(1, max_title + 1), "rating": rng.randrange(101), "text": "Under fire."}
        )
        headers = {
            "Authorization": f"Bearer {rng.choice(writers)}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        return ("POST", f"{API}/reviews", headers, body)

    return [one() for _ in range(n)]


# --- probes: a slow, steady sample of a few requests while the load runs ------------------------------


class Probe:
    """A slow, steady sample beside the load, one thread per kind of request:
    /healthz, a failed login every half second (limited per account and per
    IP: 401 until the limit, then 429), one API list and one HTML page."""

    def __init__(self, harness: Harness, ctx: dict) -> None:
        self.base = harness.config.base_url
        self.stop_event = threading.Event()
        self.samples: list[dict] = []
        self.lock = threading.Lock()
        cookie = f"{ctx['session_cookie_name']}={ctx['session']['caller']}"
        login = json.dumps({"email": "user5@bench.walks.test", "password": "not-the-password"}).encode()
        self.kinds = {
            "healthz": (1.0, "GET", "/healthz", {}, None),
            "login_wrong_password": (0.5, "POST", f"{API}/auth/token", {"Content-Type": "application/json"}, login),
            "api_titles": (
                1.0,
                "GET",
                f"{API}/titles?type=game",
                {"Authorization": f"Bearer {ctx['jwt']['caller']}"},
                None,
            ),
            "html_title": (1.0, "GET", ctx["paths"]["title_page"][0], {"Cookie": cookie}, None),
        }
        self.threads = [
            threading.Thread(target=self._loop, args=(name, *spec), daemon=True) for name, spec in self.kinds.items()
        ]

    def _loop(self, name, interval, method, path, headers, body) -> None:
        while not self.stop_event.is_set():
            started = time.time()
            request = urllib.request.Request(self.base + path, method=method, headers=headers, data=body)
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except (urllib.error.URLError, OSError):
                status = 0
            with self.lock:
                self.samples.append(
                    {"t": started, "name": name, "status": status, "ms": (time.time() - started) * 1000}
                )
            self.stop_event.wait(max(0.0, interval - (time.time() - started)))

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> list[dict]:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=15)
        return self.samples


# --- phases ---------------------------------------------------------------------------------------


def start_load(harness: Harness, requests_file: Path, *, connections: int, duration: float, out: Path):
    argv = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / "wrk" / "bench.lua"),
        harness.config.base_url,
    ]
    out.unlink(missing_ok=True)
    env = {**os.environ, "BENCH_REQUESTS": str(requests_file), "BENCH_OUT": str(out)}
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def finish_load(process: subprocess.Popen, out: Path) -> dict:
    _, err = process.communicate(timeout=600)
    if process.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed: {err}")
    data = json.loads(out.read_text())
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    data["socket_errors"] = sum(data["errors"][k] for k in ("connect", "read", "write", "timeout"))
    return data


def classify(timeline: list, start: float, end: float) -> dict[str, int]:
    out: dict[str, int] = {}
    for second, bucket in timeline:
        if start <= second < end:
            for cls, n in bucket.items():
                out[cls] = out.get(cls, 0) + n
    return out


def errors_in(bucket: dict[str, int]) -> int:
    return sum(n for cls, n in bucket.items() if cls in ("5xx", "503"))


def recovery_seconds(timeline: list, up: float) -> float | None:
    """Seconds from the service's return to the first second after which no 5xx/503 is seen."""
    last_bad = None
    for second, bucket in timeline:
        if second >= int(up) and errors_in(bucket):
            last_bad = second
    if last_bad is None:
        return 0.0
    return round(last_bad + 1 - up, 1)


def probe_summary(samples: list[dict], windows: dict[str, tuple[float, float]]) -> dict:
    out: dict[str, dict[str, dict[str, int]]] = {}
    for window, (start, end) in windows.items():
        per: dict[str, dict[str, int]] = {}
        for s in samples:
            if start <= s["t"] < end:
                per.setdefault(s["name"], {})
                key = str(s["status"])
                per[s["name"]][key] = per[s["name"]].get(key, 0) + 1
        out[window] = per
    return out


def phase_steady(harness: Harness, requests_file: Path, *, duration: float, connections: int) -> dict:
    log(f"phase: steady mixed load, {duration:g}s at {connections} connections")
    out = harness.logdir / "steady.json"
    result = finish_load(start_load(harness, requests_file, connections=connections, duration=duration, out=out), out)
    return {
        "duration": duration,
        "connections": connections,
        "requests": result["requests"],
        "rps": round(result["rps"], 1),
        "p50_ms": result["latency_us"]["p50"] / 1000,
        "p99_ms": result["latency_us"]["p99"] / 1000,
        "statuses": result["statuses"],
        "errors": result["errors"],
        "socket_errors": result["socket_errors"],
        "server_errors": sum(n for s, n in result["statuses"].items() if s.startswith("5")),
    }


def phase_outage(
    harness: Harness,
    ctx: dict,
    requests_file: Path,
    *,
    name: str,
    stop,
    start,
    lead: float,
    down: float,
    tail: float,
    connections: int,
) -> dict:
    total = lead + down + tail
    log(f"phase: {name} down for {down:g}s under load ({total:g}s at {connections} connections)")
    out = harness.logdir / f"{name}.json"
    dropped_before = on_commit_failures(harness)
    probe = Probe(harness, ctx)
    load = start_load(harness, requests_file, connections=connections, duration=total, out=out)
    began = time.time()
    probe.start()
    time.sleep(lead)
    stopped_at = time.time()
    stop()
    log(f"  {name} stopped")
    time.sleep(max(0.0, down - (time.time() - stopped_at)))
    started_at = time.time()
    start()
    up_at = time.time()
    log(f"  {name} started again ({up_at - started_at:.1f}s to start)")
    result = finish_load(load, out)
    samples = probe.stop()
    ended = time.time()
    timeline = result["timeline"]
    windows = {"before": (began, stopped_at), "down": (stopped_at, up_at), "after": (up_at, ended)}
    by_window = {w: classify(timeline, int(a), int(b) if w != "after" else int(b) + 1) for w, (a, b) in windows.items()}
    # Seconds are whole: the second in which the service stopped or came back is counted in both windows' edges.
    return {
        "lead": lead,
        "down_seconds": round(up_at - stopped_at, 1),
        "connections": connections,
        "requests": result["requests"],
        "rps": round(result["rps"], 1),
        "p99_ms": result["latency_us"]["p99"] / 1000,
        "statuses": result["statuses"],
        "socket_errors": result["socket_errors"],
        "errors": result["errors"],
        "windows": by_window,
        "recovery_seconds": recovery_seconds(timeline, up_at),
        "probes": probe_summary(samples, windows),
        "timeline": [[second - int(began), bucket] for second, bucket in timeline],
        # Django logs each on_commit(robust=True) callback that raised: here,
        # rating recomputes that could not be queued while the broker was down.
        "on_commit_failures": on_commit_failures(harness) - dropped_before,
        "events": {"stopped": round(stopped_at - began, 1), "started": round(up_at - began, 1)},
    }


def on_commit_failures(harness: Harness) -> int:
    path = harness.logdir / "gunicorn.log"
    if not path.exists():
        return 0
    return path.read_text(errors="replace").count("in on_commit()")


def pg_ctl(harness: Harness, action: str) -> None:
    bindir = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()],
    )[-1]
    argv = [str(bindir / "pg_ctl"), "-D", f"{harness.config.services_dir}/pg", "-m", "fast", "-w", action]
    if os.getuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    subprocess.run(argv, check=True, capture_output=True)


def redis_stop(harness: Harness) -> None:
    # As scripts/services.sh stops it: no snapshot (that Redis has no persistence).
    subprocess.run(
        ["redis-cli", "-p", str(harness.config.redis_port), "shutdown", "nosave"], capture_output=True, check=False
    )


def phase_worker_kill(harness: Harness, *, mails: int, ack_delay: float, label: str) -> dict:
    """Kill the mail worker with SIGKILL while it sends, restart it, wait for the redelivery, count."""
    run = f"{label}-{int(time.time())}"
    queue = f"bench-mail-{label}"
    mail_dir = Path(tempfile.mkdtemp(prefix=f"walks-chaos-mail-{label}-"))
    visibility = env_int("BENCH_VISIBILITY_TIMEOUT", 30)
    extra = {
        "EMAIL_BACKEND": "bench.mailbackend.SlowFileBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "BENCH_MAIL_SEND_DELAY": os.environ.get("BENCH_MAIL_SEND_DELAY", "0.05"),
        "BENCH_MAIL_ACK_DELAY": str(ack_delay),
        "BENCH_MAIL_IDEMPOTENT": os.environ.get("BENCH_MAIL_IDEMPOTENT", "1"),
        "BENCH_VISIBILITY_TIMEOUT": str(visibility),
    }
    log(f"phase: worker kill ({label}): {mails} e-mails, provider answer {ack_delay}s after accepting")

    def count() -> dict:
        result = subprocess.run(
            [PY, str(BENCH / "mailtool.py"), "count", run, str(mails), str(mail_dir)],
            cwd=ROOT,
            env=harness.config.django_env(),
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(result.stdout)

    # The worker starts first: it declares its queue, and the messages are then
    # routed to it (Redis drops messages to a queue nobody declared).
    process = harness.start_celery(f"mailer-{label}", concurrency=2, queue=queue, **extra)
    subprocess.run(
        [PY, str(BENCH / "mailtool.py"), "send", run, str(mails), queue],
        cwd=ROOT,
        env=harness.config.django_env(),
        check=True,
        capture_output=True,
    )
    kills = []
    for fraction in (0.3, 0.6):
        target = int(mails * fraction)
        deadline = time.monotonic() + 120
        while count()["files"] < target and time.monotonic() < deadline:
            time.sleep(0.1)
        # Land somewhere inside a send: a random pause within one message's time.
        time.sleep(random.uniform(0, 0.05 + ack_delay))
        before = count()["files"]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        harness.processes.pop(f"mailer-{label}", None)
        kills.append({"after_files": before, "at": time.time()})
        log(f"  SIGKILL after {before} files; restarting")
        time.sleep(1)
        process = harness.start_celery(f"mailer-{label}", concurrency=2, queue=queue, **extra)
    started = time.monotonic()
    timeout = visibility + 120
    state = count()
    while time.monotonic() - started < timeout:
        state = count()
        unacked = redis_count(harness, "hlen", "unacked")
        if state["missing"] == 0 and harness.redis_llen(queue) == 0 and unacked == 0:
            break
        time.sleep(1)
    state["waited_seconds"] = round(time.monotonic() - started, 1)
    state["kills"] = len(kills)
    state["visibility_timeout"] = visibility
    state["ack_delay"] = ack_delay
    state["provider_deduplicates"] = extra["BENCH_MAIL_IDEMPOTENT"] != "0"
    harness.stop(f"mailer-{label}")
    shutil.rmtree(mail_dir, ignore_errors=True)
    log(f"  {label}: {state}")
    return state


def redis_count(harness: Harness, command: str, key: str) -> int:
    out = subprocess.run(
        ["redis-cli", "-p", str(harness.config.redis_port), "-n", str(harness.config.redis_db), command, key],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    try:
        return int(out)
    except ValueError:
        return -1


def phase_rating_worker_kill(harness: Harness, ctx: dict) -> dict:
    """POST reviews of titles nobody else touches while the rating worker is
    SIGKILLed and restarted: the recompute it held is redelivered only after
    the visibility timeout, so those ratings stay stale until the reconciliation."""
    log("phase: rating worker SIGKILLed under a burst of review POSTs")
    rng = random.Random(23)
    max_title = ctx["max_title_id"]
    writers = ctx["jwt"]["writers"]
    lines = []
    # More distinct titles than the burst can post: no title is posted twice.
    for tid in rng.sample(range(1, max_title + 1), min(max_title, 4000)):
        body = json.dumps({"title_id": tid, "rating": rng.randrange(101), "text": "Killed mid-way."})
        headers = {
            "Authorization": f"Bearer {rng.choice(writers)}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        lines.append(("POST", f"{API}/reviews", headers, body))
    requests_file = write_requests(harness.logdir / "posts.requests", lines)
    out = harness.logdir / "rating-kill.json"
    load = start_load(harness, requests_file, connections=8, duration=5, out=out)
    time.sleep(2)
    worker = harness.processes.pop("celery")
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    time.sleep(1)
    harness.start_celery("celery")
    result = finish_load(load, out)
    waited = 0
    while harness.redis_llen("celery") > 0 and waited < 120:
        time.sleep(1)
        waited += 1
    time.sleep(2)
    return {
        "posts": result["requests"],
        "statuses": result["statuses"],
        "queue_drained_after": waited,
        "unacked_after": redis_count(harness, "hlen", "unacked"),
    }


STALE_SQL = """
SELECT count(*) FROM catalog_title t
LEFT JOIN (SELECT title_id, avg(rating)::float8 AS mean, count(*) AS n FROM reviews_review GROUP BY title_id) r
       ON r.title_id = t.id
WHERE t.rating_count <> coalesce(r.n, 0)
   OR (t.rating IS NULL) <> (r.mean IS NULL)
   OR abs(t.rating - r.mean) > 1e-9
"""


def ratings_check(harness: Harness) -> dict:
    db = harness.config.database
    log("ratings: counting stale titles, running reviews.tasks.reconcile_all_ratings, counting again")
    stale_before = harness.psql(STALE_SQL, database=db)[0][0]
    started = time.monotonic()
    result = subprocess.run(
        [
            PY,
            "-c",
            "import django, json; django.setup(); from reviews.tasks import reconcile_all_ratings; "
            "print(json.dumps(reconcile_all_ratings.apply().get()))",
        ],
        cwd=ROOT,
        env=harness.config.django_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = round(time.monotonic() - started, 1)
    stale_after = harness.psql(STALE_SQL, database=db)[0][0]
    fixed = result.stdout.strip().splitlines()[-1] if result.returncode == 0 and result.stdout.strip() else None
    return {
        "stale_before": stale_before,
        "reconcile_fixed": fixed,
        "reconcile_seconds": seconds,
        "reconcile_error": result.stderr[-800:] if result.returncode else "",
        "stale_after": stale_after,
    }


def ensure_database(harness: Harness) -> dict:
    info = harness.fill_info()
    if info and not os.environ.get("CHAOS_FRESH"):
        log(f"reusing the filled database ({info['rows']['titles']:,} titles)")
        harness.migrate()  # the code may have gained migrations since the fill
        return info
    for key, value in CHAOS_DEFAULT_SIZES.items():
        os.environ.setdefault(key, value)
    harness.fresh_database()
    harness.migrate()
    log("filling")
    harness.python("fill.py")
    return harness.fill_info()


def main() -> None:
    harness = Harness(name="chaos")
    only = set((os.environ.get("CHAOS_ONLY") or "steady,redis,postgres,worker").split(","))
    connections = env_int("CHAOS_CONNECTIONS", 64)
    results: dict = {"started_at": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    try:
        harness.start_services()
        info = ensure_database(harness)
        results["data"] = info["rows"]
        harness.flush_redis()
        ctx_file = harness.logdir / "context.json"
        harness.python("prepare.py", str(ctx_file))
        ctx = json.loads(ctx_file.read_text())
        harness.start_gunicorn()
        harness.start_celery()
        results["gunicorn"] = " ".join(harness.gunicorn_argv()[1:])
        from bench.run import resolve_html_paths

        resolve_html_paths(harness, ctx)
        requests_file = write_requests(harness.logdir / "mixed.requests", mixed_lines(ctx))
        # Warm every worker's connections and caches.
        harness.wrk(requests_file, connections=8, duration=3, out=harness.logdir / "warm.json")

        if "steady" in only:
            results["steady"] = phase_steady(
                harness, requests_file, duration=env_int("CHAOS_STEADY", 60), connections=connections
            )
            log(f"  {results['steady']}")
        if "redis" in only:
            results["redis"] = phase_outage(
                harness,
                ctx,
                requests_file,
                name="redis",
                stop=lambda: redis_stop(harness),
                start=lambda: harness.services("start"),
                lead=env_int("CHAOS_LEAD", 15),
                down=env_int("CHAOS_REDIS_DOWN", 20),
                tail=env_int("CHAOS_TAIL", 25),
                connections=connections,
            )
            log(f"  windows {results['redis']['windows']} recovery {results['redis']['recovery_seconds']}s")
            time.sleep(3)
        if "postgres" in only:
            results["postgres"] = phase_outage(
                harness,
                ctx,
                requests_file,
                name="postgres",
                stop=lambda: pg_ctl(harness, "stop"),
                start=lambda: harness.services("start"),
                lead=env_int("CHAOS_LEAD", 15),
                down=env_int("CHAOS_PG_DOWN", 10),
                tail=env_int("CHAOS_TAIL", 25),
                connections=connections,
            )
            log(f"  windows {results['postgres']['windows']} recovery {results['postgres']['recovery_seconds']}s")
        # Let the rating tasks queued by the load finish before counting.
        waited = 0
        while harness.redis_llen("celery") > 0 and waited < 120:
            time.sleep(1)
            waited += 1
        results["gunicorn_still_same"] = harness.processes["gunicorn"].poll() is None
        results["worker_memory"] = harness.worker_memory()
        if "worker" in only:
            mails = env_int("CHAOS_MAILS", 300)
            results["mail"] = [
                phase_worker_kill(harness, mails=mails, ack_delay=0.0, label="fast"),
                phase_worker_kill(
                    harness, mails=mails, ack_delay=float(os.environ.get("BENCH_MAIL_ACK_DELAY", "0.2")), label="slow"
                ),
            ]
        if "worker" in only:
            results["rating_kill"] = phase_rating_worker_kill(harness, ctx)
            log(f"  {results['rating_kill']}")
        results["ratings"] = ratings_check(harness)
        log(f"  {results['ratings']}")
    finally:
        if os.environ.get("BENCH_KEEP_SERVICES"):
            for name in list(harness.processes):
                harness.stop(name)
        else:
            harness.close()
    out = RESULTS / "chaos.json"
    out.write_text(json.dumps(results, indent=2))
    log(f"results in {out}")
    print(chaos_markdown(results))
    if not os.environ.get("BENCH_NO_REPORT"):
        from bench import report

        report.update("chaos", chaos_markdown(results))


def chaos_markdown(results: dict) -> str:
    from bench.report import chaos_markdown as render

    return render(results)


if __name__ == "__main__":
    main()
