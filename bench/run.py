"""``make bench``: fill a large catalogue, serve it as production does, measure.

Environment (all optional):
  BENCH_TITLES, BENCH_USERS, BENCH_WALKS, BENCH_REVIEWS, BENCH_HEAVY_WALKS,
  BENCH_HOT_REVIEWS, BENCH_SEED      sizes of the fill (bench/fill.py)
  BENCH_DURATION (10)               seconds of wrk per case and connection count
  BENCH_WARMUP (2)                  seconds of warm-up per case
  BENCH_CONNECTIONS ("1,32")        connection counts measured
  BENCH_REUSE_DB=1                  keep a filled database of the same sizes
  BENCH_ONLY                        comma-separated case keys to run (debugging); "stats",
                                    "imports" and "mcp" select the measures after the wrk cases
  BENCH_WORKER_CLASS, BENCH_WORKERS, BENCH_THREADS, BENCH_MAX_REQUESTS   gunicorn
  BENCH_PG_PORT (55433), BENCH_REDIS_PORT (56380), BENCH_SERVICES_DIR, BENCH_HTTP_PORT
  BENCH_KEEP_SERVICES=1             leave our PostgreSQL and Redis running afterwards
  BENCH_NO_REPORT=1                 do not rewrite bench/REPORT.md
  BENCH_FILL_ONLY=1                 stop after the fill (writes bench/results/fill.json)
  BENCH_DATABASE (walks_bench)      the database to fill and serve

Writes bench/results/bench.json and the generated part of bench/REPORT.md.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import provider_cache
from bench.harness import FILL_VERSION, RESULTS, Harness, env_int, log, write_requests

API = "/api/v1"
ORDERINGS = ["id", "-id", "release_year", "-release_year", "rating", "-rating"]


@dataclass
class Case:
    key: str
    label: str
    kind: str  # ceiling | json-list | json | html | write | cursor | info (report.TARGET_RATIO)
    lines: list[tuple[str, str, dict[str, str], str]]
    note: str = ""
    runs: dict[str, dict] = field(default_factory=dict)
    probe_status: int | None = None
    skipped: str = ""


def fill_sizes() -> dict:
    return {
        "titles": env_int("BENCH_TITLES", 1_000_000),
        "users": env_int("BENCH_USERS", 100_000),
        "walks": env_int("BENCH_WALKS", 2_000_000),
        "reviews": env_int("BENCH_REVIEWS", 1_000_000),
        "version": FILL_VERSION,
    }


def spread_lines(ctx: dict, headers: dict[str, str]) -> list[tuple[str, str, dict[str, str], str]]:
    """Requests for pages all over the list in every ordering, so that
    nearly all of them miss the cache."""
    rng = random.Random(11)
    pages = max(1, ctx["type_count_game"] // 20)
    return [
        (
            "GET",
            f"{API}/titles?type=game&ordering={rng.choice(ORDERINGS)}&page={rng.randrange(1, pages + 1)}",
            headers,
            "",
        )
        for _ in range(20000)
    ]


def build_cases(ctx: dict) -> list[Case]:
    jwt = {"Authorization": f"Bearer {ctx['jwt']['caller']}", "Accept": "application/json"}
    heavy_jwt = {"Authorization": f"Bearer {ctx['jwt']['heavy']}", "Accept": "application/json"}
    cookie = {"Cookie": f"{ctx['session_cookie_name']}={ctx['session']['caller']}", "Accept": "text/html"}
    hot, heavy, typical = ctx["hot_title"], ctx["heavy_user"], ctx["typical_user"]
    get = lambda path, headers: [("GET", path, headers, "")]  # noqa: E731
    cases = [Case("ceiling", "Ceiling: bare Django view", "ceiling", get("/bench/ceiling", {}))]
    for ordering in ORDERINGS:
        cases.append(
            Case(
                f"titles_{ordering.replace('-', 'desc_')}",
                f"Titles, type=game, ordering={ordering}, page 1",
                "json-list",
                get(f"{API}/titles?type=game&ordering={ordering}", jwt),
            )
        )
    deep = ctx["deep_page"]
    cases += [
        Case(
            "titles_deep",
            f"Titles, type=game, page {deep:,} (offset {(deep - 1) * 20:,})",
            "json-list",
            get(f"{API}/titles?type=game&page={deep}", jwt),
            note=f"{ctx['type_count_game']:,} games",
        ),
        Case(
            "titles_spread",
            f"Titles, type=game, a random page of all {ctx['type_count_game'] // 20:,} in a random ordering",
            "info",
            spread_lines(ctx, jwt),
            note="nearly all of them not cached; by page number, information: the cursor case has the target",
        ),
        cursor_case(ctx, jwt),
        Case(
            "search_selective",
            f"Titles, type=game, search={ctx['search']['selective']!r}",
            "json-list",
            get(f"{API}/titles?type=game&search={ctx['search']['selective']}", jwt),
            note=f"{ctx['search']['matches'][ctx['search']['selective']]:,} matches",
        ),
        Case(
            "search_broad",
            f"Titles, type=game, search={ctx['search']['broad']!r}",
            "json-list",
            get(f"{API}/titles?type=game&search={ctx['search']['broad']}", jwt),
            note=f"{ctx['search']['matches'][ctx['search']['broad']]:,} matches",
        ),
        Case(
            "title_detail",
            "Title detail (hot title, with my walk and review)",
            "json",
            get(f"{API}/titles/{hot}", jwt),
        ),
        Case(
            "title_reviews",
            f"Title's reviews ({ctx['hot_title_reviews']:,} reviews), newest first",
            "json-list",
            get(f"{API}/titles/{hot}/reviews", jwt),
        ),
        Case(
            "title_reviews_rating",
            "Title's reviews, ordering=-rating",
            "json-list",
            get(f"{API}/titles/{hot}/reviews?ordering=-rating", jwt),
        ),
        Case(
            "user_walks",
            f"A user's walks ({ctx['typical_user_walks']} walks)",
            "json-list",
            get(f"{API}/user/{typical}/walks", jwt),
        ),
        Case(
            "heavy_walks",
            f"Walks of the user with {ctx['heavy_user_walks']:,} walks",
            "json-list",
            get(f"{API}/user/{heavy}/walks", jwt),
        ),
        Case(
            "heavy_walks_filtered",
            "The same, type=film&state=completed",
            "json-list",
            get(f"{API}/user/{heavy}/walks?type=film&state=completed", jwt),
        ),
        Case("heavy_profile", "Profile of that user (API)", "json", get(f"{API}/user/{heavy}", jwt)),
        Case("heavy_stats", "Statistics of that user (API)", "json", get(f"{API}/user/{heavy}/stats", jwt)),
        Case("me", "Own profile, /user/@me (API)", "json", get(f"{API}/user/@me", heavy_jwt)),
        Case(
            "titles_page",
            "Titles page (HTML), type=game",
            "html",
            get(f"{ctx['paths']['titles_page']}?type=game", cookie),
        ),
        Case("title_page", "Title page (HTML), hot title", "html", get(ctx["paths"]["title_page"][0], cookie)),
        Case(
            "profile_page",
            f"Profile page (HTML) of the user with {ctx['heavy_user_walks']:,} walks",
            "html",
            get(ctx["paths"]["profile_page"][0], cookie),
        ),
    ]
    cases += social_cases(ctx, jwt)
    cases.append(
        Case(
            "provider_search",
            f"Provider search, type={provider_cache.TYPE}, q={provider_cache.QUERY!r}, answered from its cache",
            "json-list",
            get(provider_cache.PATH, jwt),
            note="20 results",
        )
    )
    rng = random.Random(7)
    writers = ctx["jwt"]["writers"]
    posts = []
    for i in range(4000):
        body = json.dumps(
            {
                "title_id": rng.randrange(1, ctx["max_title_id"] + 1),
                "rating": rng.randrange(0, 101),
                "text": "Benchmarked, and it held up.",
            }
        )
        headers = {
            "Authorization": f"Bearer {writers[i % len(writers)]}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        posts.append(("POST", f"{API}/reviews", headers, body))
    cases.append(
        Case(
            "post_review",
            f"POST a review (random titles, {len(writers)} users)",
            "write",
            posts,
            note="each enqueues a rating recompute",
        )
    )
    cases += write_cases(ctx)
    return cases


def cursor_case(ctx: dict, headers: dict[str, str]) -> Case:
    """Titles by cursor at random depths (bench/prepare.py builds the cursors
    with ``core.pagination.encode_cursor``); skipped, with the reason, where
    the cursor mode is not there."""
    paths = ctx.get("cursor_paths") or []
    case = Case(
        "titles_cursor",
        "Titles, type=game, a random depth by cursor",
        "cursor",
        [("GET", path, headers, "") for path in paths] or [("GET", f"{API}/titles?type=game", headers, "")],
        note=f"{len(paths):,} cursors to random rows in every ordering, nearly all of them not cached",
    )
    if not paths:
        case.skipped = ctx.get("cursor_skip") or "no cursors prepared"
    return case


def social_cases(ctx: dict, jwt: dict[str, str]) -> list[Case]:
    """The signed-in home page, the feed (page and API) and a watchlist, of
    the person the fill gave follows and a watchlist (bench/fill.py)."""
    social = ctx.get("social_user")
    get = lambda path, headers: [("GET", path, headers, "")]  # noqa: E731
    if not social or "social" not in ctx["jwt"]:
        cases = [
            Case(key, label, kind, get("/", {}))
            for key, label, kind in (
                ("home_page", "Home page (HTML), signed in", "html"),
                ("feed_page", "Feed page (HTML)", "html"),
                ("feed_api", "Feed (API)", "json-list"),
                ("watchlist", "A watchlist (API)", "json-list"),
            )
        ]
        for case in cases:
            case.skipped = "the filled database has no social user (an older fill: run without BENCH_REUSE_DB)"
        return cases
    counts = ctx.get("social_counts", {})
    social_jwt = {"Authorization": f"Bearer {ctx['jwt']['social']}", "Accept": "application/json"}
    cookie = {"Cookie": f"{ctx['session_cookie_name']}={ctx['session']['social']}", "Accept": "text/html"}
    follows = f"following {counts.get('follows', 0):,} people"
    return [
        Case(
            "home_page",
            "Home page (HTML), signed in: recent activity and the feed",
            "html",
            get("/", cookie),
            note=follows,
        ),
        Case(
            "feed_page",
            "Feed page (HTML): the home page's feed, page 2",
            "html",
            get("/?feed=2", cookie),
            note=follows + "; the feed has no page of its own, it is the home page's panel",
        ),
        Case("feed_api", "Feed (API), page 1", "json-list", get(f"{API}/feed", social_jwt), note=follows),
        Case(
            "watchlist",
            f"A watchlist (API), {counts.get('watchlist', 0):,} titles, newest first",
            "json-list",
            get(f"{API}/user/{social}/watchlist", jwt),
        ),
    ]


def write_cases(ctx: dict) -> list[Case]:
    """POST a walk (random titles) and PATCH the writers' own reviews and
    walks (rows the fill gave them, bench/prepare.py lists them)."""
    rng = random.Random(8)
    writers = ctx["jwt"]["writers"]
    states = ["in_progress", "completed", "hundred_percent"]

    def headers(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"}

    posts = [
        (
            "POST",
            f"{API}/walks",
            headers(writers[i % len(writers)]),
            json.dumps({"title_id": rng.randrange(1, ctx["max_title_id"] + 1), "state": rng.choice(states)}),
        )
        for i in range(4000)
    ]
    cases = [Case("post_walk", f"POST a walk (random titles, {len(writers)} users)", "write", posts)]
    for key, label, rows, path, body in (
        (
            "patch_review",
            "PATCH a review (the rating of one of the writer's own)",
            ctx.get("writer_reviews") or [],
            "reviews",
            lambda: {"rating": rng.randrange(0, 101)},
        ),
        (
            "patch_walk",
            "PATCH a walk (the state of one of the writer's own)",
            ctx.get("writer_walks") or [],
            "walks",
            lambda: {"state": rng.choice(states)},
        ),
    ):
        lines = []
        for i in range(4000):
            token, ids = rows[i % len(rows)] if rows else ("", [0])
            lines.append(("PATCH", f"{API}/{path}/{rng.choice(ids)}", headers(token), json.dumps(body())))
        case = Case(key, f"{label}, {len(rows)} users", "write", lines)
        if not rows:
            case.skipped = "none of the writers has a row to change"
        cases.append(case)
    cases[1].note = "each marks the title's rating for the drain"
    return cases


def probe(base_url: str, line: tuple[str, str, dict[str, str], str]) -> tuple[int, str]:
    method, path, headers, body = line
    request = urllib.request.Request(
        base_url + path, method=method, headers=headers, data=body.encode() if body else None
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(300).decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(300).decode(errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


urllib.request.install_opener(urllib.request.build_opener(_NoRedirect))


def resolve_html_paths(harness: Harness, ctx: dict) -> None:
    """The HTML routes are named by the catalog app; try the candidates and keep the first that answers 200."""
    cookie = {"Cookie": f"{ctx['session_cookie_name']}={ctx['session']['caller']}"}
    for key in ("title_page", "profile_page"):
        for path in ctx["paths"][key]:
            status, _ = probe(harness.config.base_url, ("GET", path, cookie, ""))
            if status == 200:
                ctx["paths"][key] = [path]
                break


def wait_for_queue(harness: Harness, timeout: float = 180) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if harness.redis_llen("celery") <= 0:
            break
        time.sleep(0.5)
    return time.monotonic() - started


def measure(harness: Harness, case: Case, *, connections: list[int], duration: float, warmup: float) -> None:
    requests_file = write_requests(harness.logdir / f"{case.key}.requests", case.lines)
    status, body = probe(harness.config.base_url, case.lines[0])
    case.probe_status = status
    if not 200 <= status < 300:
        case.skipped = f"HTTP {status}: {body[:120]!r}"
        log(f"  skip {case.key}: {case.skipped}")
        return
    if warmup:
        harness.wrk(requests_file, connections=8, duration=warmup, out=harness.logdir / f"{case.key}.warm.json")
    for c in connections:
        result = harness.wrk(
            requests_file, connections=c, duration=duration, out=harness.logdir / f"{case.key}.c{c}.json"
        )
        result.pop("timeline", None)
        case.runs[str(c)] = result
        non2xx = sum(n for s, n in result["statuses"].items() if not s.startswith("2"))
        log(
            f"  {case.key:22} c={c:<3} {result['rps']:8.1f} req/s  p50 {result['latency_us']['p50'] / 1000:7.1f} ms"
            f"  p99 {result['latency_us']['p99'] / 1000:7.1f} ms"
            + (f"  non-2xx {non2xx} {result['statuses']}" if non2xx else "")
            + (f"  socket errors {result['socket_errors']}" if result["socket_errors"] else "")
        )
    if case.kind == "write":
        waited = wait_for_queue(harness)
        case.note += f"; queue drained {waited:.0f}s after"


EXTRA = ("stats", "imports", "mcp")


def extra_measures(harness: Harness, ctx: dict, only: set[str]) -> dict:
    """The targets measured outside wrk, once, after the wrk cases (gunicorn
    and Celery stopped), against the bench database: a person's statistics
    uncached (bench/stats.py, the heavy user), an import of 10,000 rows
    (bench/imports.py, its rows deleted afterwards) and an MCP ``tools/call``
    of ``set_walk`` against the REST POST on uvicorn (bench/mcp.py). A failure
    is recorded as the reason, not lost with the rest of the run."""
    out: dict = {}
    for key in EXTRA:
        if only and key not in only:
            out[key] = {"skipped": "not selected (BENCH_ONLY)"}
            continue
        path = harness.logdir / f"{key}.json"
        path.unlink(missing_ok=True)
        log(f"measure {key}")
        try:
            if key == "stats":
                harness.python("stats.py", str(path), BENCH_STATS_USER=str(ctx["heavy_user"]))
            elif key == "imports":
                harness.python("imports.py", "--json", str(path), "--cleanup")
            else:
                harness.python("mcp.py", "--bench", str(path))
            out[key] = json.loads(path.read_text())
        except (subprocess.CalledProcessError, OSError, ValueError) as exc:
            out[key] = {"skipped": f"failed: {exc}"}
            log(f"  {key} failed: {exc}")
    return out


def versions(harness: Harness) -> dict:
    import importlib.metadata as metadata
    import subprocess

    def first_line(argv: list[str]) -> str:
        try:
            result = subprocess.run(argv, capture_output=True, text=True, check=False)
        except OSError:
            return "?"
        return (result.stdout or result.stderr).strip().splitlines()[0] if (result.stdout or result.stderr) else "?"

    info = {"Python": sys.version.split()[0]}
    for label, package in [
        ("Django", "django"),
        ("DRF", "djangorestframework"),
        ("gunicorn", "gunicorn"),
        ("Celery", "celery"),
        ("psycopg", "psycopg"),
        ("django-redis", "django-redis"),
    ]:
        info[label] = metadata.version(package)
    info["PostgreSQL"] = harness.psql("SHOW server_version")[0][0]
    info["Redis"] = first_line(["redis-server", "--version"]).split(" v=")[-1].split()[0]
    info["wrk"] = first_line(["wrk", "-v"]).split(" [")[0].replace("wrk ", "")
    return info


def machine() -> dict:
    import platform
    import subprocess

    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")), "?")
    free = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "free": free,
        "kernel": platform.release(),
        "load_before": os.getloadavg(),
    }


def main() -> None:
    harness = Harness(name="bench")
    duration = float(os.environ.get("BENCH_DURATION", 10))
    warmup = float(os.environ.get("BENCH_WARMUP", 2))
    connections = [int(c) for c in os.environ.get("BENCH_CONNECTIONS", "1,32").split(",")]
    only = {k for k in os.environ.get("BENCH_ONLY", "").split(",") if k}
    results: dict = {"started_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine()}
    total_started = time.monotonic()
    try:
        harness.start_services()
        sizes = fill_sizes()
        info = harness.fill_info() if os.environ.get("BENCH_REUSE_DB") else None
        if info and all(info["sizes"].get(k) == v for k, v in sizes.items()):
            log("reusing the filled database (BENCH_REUSE_DB=1)")
            results["fill_reused"] = True
            harness.migrate()  # the code may have gained migrations since the fill
        else:
            harness.fresh_database()
            results["migrate_seconds"] = round(harness.migrate(), 1)
            log("filling")
            started = time.monotonic()
            harness.python("fill.py")
            results["fill_wall_seconds"] = round(time.monotonic() - started, 1)
            info = harness.fill_info()
        results["fill"] = info
        results["db_size"] = harness.psql(f"SELECT pg_size_pretty(pg_database_size('{harness.config.database}'))")[0][0]
        if os.environ.get("BENCH_FILL_ONLY"):
            (RESULTS / "fill.json").write_text(json.dumps(results, indent=2))
            log(f"fill only: {info['seconds']}s, database {results['db_size']}; see bench/results/fill.json")
            return
        harness.flush_redis()
        ctx_file = harness.logdir / "context.json"
        harness.python("prepare.py", str(ctx_file))
        ctx = json.loads(ctx_file.read_text())
        results["context"] = {k: v for k, v in ctx.items() if k not in ("jwt", "session", "fill")}
        results["versions"] = versions(harness)
        queries_file = harness.logdir / "queries.json"
        harness.python("queries.py", str(ctx_file), str(queries_file))
        results["queries"] = json.loads(queries_file.read_text())

        harness.start_gunicorn()
        harness.start_celery()
        results["gunicorn"] = " ".join(harness.gunicorn_argv()[1:])
        resolve_html_paths(harness, ctx)
        cases = build_cases(ctx)
        ceiling_again = Case("ceiling_end", "Ceiling, measured again at the end", "ceiling", cases[0].lines)
        for case in [*cases, ceiling_again]:
            if only and case.key not in only and case.kind != "ceiling":
                case.skipped = "not selected (BENCH_ONLY)"
                continue
            if case.skipped:  # not measurable in this run (build_cases says why)
                log(f"  skip {case.key}: {case.skipped}")
                continue
            log(f"case {case.key}: {case.label}")
            if case.key == "provider_search":  # queries.py's cold runs emptied the cache
                harness.python("provider_cache.py")
            measure(harness, case, connections=connections, duration=duration, warmup=warmup)
        results["cases"] = [{k: v for k, v in asdict(c).items() if k != "lines"} for c in [*cases, ceiling_again]]
        results["worker_memory"] = harness.worker_memory()
        harness.stop("celery")
        harness.stop("gunicorn")
        recompute_file = harness.logdir / "recompute.json"
        harness.python("recompute.py", str(recompute_file))
        results["recompute"] = json.loads(recompute_file.read_text())
        results.update(extra_measures(harness, ctx, only))
    finally:
        if os.environ.get("BENCH_KEEP_SERVICES"):
            for name in list(harness.processes):
                harness.stop(name)
        else:
            harness.close()
    results["total_seconds"] = round(time.monotonic() - total_started, 1)
    out = RESULTS / "bench.json"
    out.write_text(json.dumps(results, indent=2))
    log(f"results in {out} ({results['total_seconds']}s in all)")
    from bench import report

    print(report.bench_table(results))
    if not os.environ.get("BENCH_NO_REPORT"):
        report.update("bench", report.bench_markdown(results))
        log("bench/REPORT.md updated")


if __name__ == "__main__":
    main()
