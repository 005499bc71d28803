"""Processes for the benchmark and the fault runs: PostgreSQL and Redis of our
own (never the shared ones), a fresh database, gunicorn, a Celery worker, wrk.

Every process started here is remembered and stopped by its own pid
(:meth:`Harness.close`), also when a run fails half-way.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
BIN = Path(PY).parent
# Raised when bench/fill.py gains tables or rows, so that BENCH_REUSE_DB refills an older database.
FILL_VERSION = 2


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Config:
    pg_port: int = field(default_factory=lambda: env_int("BENCH_PG_PORT", 55433))
    redis_port: int = field(default_factory=lambda: env_int("BENCH_REDIS_PORT", 56380))
    services_dir: str = field(default_factory=lambda: env_str("BENCH_SERVICES_DIR", "/tmp/walks-bench"))
    database: str = field(default_factory=lambda: env_str("BENCH_DATABASE", "walks_bench"))
    redis_db: int = field(default_factory=lambda: env_int("BENCH_REDIS_DB", 9))
    http_port: int = field(default_factory=lambda: env_int("BENCH_HTTP_PORT", 28765))
    # Two cores: three sync workers. Measured against gthread (3x4, 2x8, 3x1)
    # and sync 4 and 5: the same throughput, and a p99 at 32 connections three
    # times lower, because every worker takes the next connection from one
    # shared accept queue (first come, first served) and no process shares
    # its GIL between requests. See bench/REPORT.md.
    worker_class: str = field(default_factory=lambda: env_str("BENCH_WORKER_CLASS", "sync"))
    workers: int = field(default_factory=lambda: env_int("BENCH_WORKERS", 3))
    threads: int = field(default_factory=lambda: env_int("BENCH_THREADS", 4))
    max_requests: int = field(default_factory=lambda: env_int("BENCH_MAX_REQUESTS", 0))
    shared_buffers: str = field(default_factory=lambda: env_str("BENCH_PG_SHARED_BUFFERS", "1GB"))

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/{self.database}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/{self.redis_db}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def services_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "WALKS_PG_PORT": str(self.pg_port),
            "WALKS_REDIS_PORT": str(self.redis_port),
            "WALKS_SERVICES_DIR": self.services_dir,
            "WALKS_PG_SHARED_BUFFERS": self.shared_buffers,
        }

    def django_env(self, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "b" * 32,
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.base_url,
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("PYTEST_XDIST_WORKER", None)
        env.update(extra)
        return env


class Harness:
    def __init__(self, config: Config | None = None, *, name: str = "bench") -> None:
        self.config = config or Config()
        self.name = name
        self.logdir = RESULTS / name
        self.logdir.mkdir(parents=True, exist_ok=True)
        for old in self.logdir.glob("*.log"):  # one run's logs at a time
            old.unlink()
        self.processes: dict[str, subprocess.Popen] = {}
        self._logs: dict[str, object] = {}
        self.services_started = False

    # --- PostgreSQL and Redis -----------------------------------------------------------------

    def services(self, action: str) -> str:
        result = subprocess.run(
            ["bash", str(ROOT / "scripts" / "services.sh"), action],
            env=self.config.services_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"services.sh {action} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start_services(self) -> None:
        if (
            not shutil.which("wrk")
            or not shutil.which("redis-server")
            or not list(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
        ):
            log("installing PostgreSQL, Redis and wrk (apt)")
            self.services("install")
        log(
            f"starting PostgreSQL on :{self.config.pg_port} and Redis on :{self.config.redis_port} "
            f"in {self.config.services_dir}"
        )
        self.services("start")
        self.services_started = True
        self.tune_postgres()

    def stop_services(self) -> None:
        if self.services_started:
            log("stopping our PostgreSQL and Redis")
            self.services("stop")
            self.services_started = False

    def psql(self, sql: str, *, database: str = "postgres", autocommit: bool = True):
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.config.pg_port}/{database}", autocommit=autocommit
        ) as conn:
            cur = conn.execute(sql)
            return cur.fetchall() if cur.description else None

    def tune_postgres(self) -> None:
        """Settings a production server of this size would have; the
        command line of scripts/services.sh sets the rest (shared_buffers)."""
        settings = {
            "max_wal_size": "4GB",
            "checkpoint_timeout": "15min",
            "maintenance_work_mem": "512MB",
            "work_mem": "16MB",
            "effective_cache_size": "4GB",
            "random_page_cost": "1.1",
            "max_parallel_maintenance_workers": "2",
            # JIT compiles expensive plans (a count over a big match) on every
            # run: milliseconds of latency that an OLTP site never wins back.
            "jit": "off",
        }
        for name, value in settings.items():
            self.psql(f"ALTER SYSTEM SET {name} = '{value}'")
        self.psql("SELECT pg_reload_conf()")

    def fresh_database(self) -> None:
        db = self.config.database
        log(f"creating a fresh database {db}")
        self.psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        self.psql(f'CREATE DATABASE "{db}"')
        self.psql("CREATE EXTENSION IF NOT EXISTS pg_trgm", database=db)

    def database_exists(self) -> bool:
        rows = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.config.database}'")
        return bool(rows)

    def fill_info(self) -> dict | None:
        if not self.database_exists():
            return None
        try:
            rows = self.psql("SELECT info FROM bench_fill", database=self.config.database)
        except Exception:
            return None
        return rows[0][0] if rows else None

    def flush_redis(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.config.redis_port), "-n", str(self.config.redis_db), "flushdb"],
            capture_output=True,
            check=False,
        )

    def redis_llen(self, key: str = "celery") -> int:
        out = subprocess.run(
            ["redis-cli", "-p", str(self.config.redis_port), "-n", str(self.config.redis_db), "llen", key],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        try:
            return int(out)
        except ValueError:
            return -1

    def manage(self, *args: str, check: bool = True, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PY, "manage.py", *args],
            cwd=ROOT,
            env=self.config.django_env(**extra_env),
            capture_output=True,
            text=True,
            check=check,
        )

    def migrate(self) -> float:
        log("migrating")
        started = time.monotonic()
        result = self.manage("migrate", "--noinput", check=False)
        if result.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{result.stdout}\n{result.stderr}")
        return time.monotonic() - started

    def python(self, script: str, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
        """Run a bench script with the production environment, streaming its output."""
        return subprocess.run(
            [PY, str(BENCH / script), *args], cwd=ROOT, env=self.config.django_env(**extra_env), check=True
        )

    # --- gunicorn, Celery ---------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        logfile = open(self.logdir / f"{name}.log", "a")  # noqa: SIM115 - closed in close()
        logfile.write(f"\n==== {time.strftime('%H:%M:%S')} {' '.join(argv)}\n")
        logfile.flush()
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        self._logs[name] = logfile
        return process

    def gunicorn_argv(self) -> list[str]:
        c = self.config
        argv = [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{c.http_port}",
            "--workers",
            str(c.workers),
            "--worker-class",
            c.worker_class,
            "--backlog",
            "2048",
            "--timeout",
            "30",
            "--graceful-timeout",
            "10",
        ]
        if c.worker_class == "gthread":
            argv += ["--threads", str(c.threads), "--keep-alive", "5"]
        if c.max_requests:
            argv += ["--max-requests", str(c.max_requests), "--max-requests-jitter", str(c.max_requests // 10)]
        return argv

    def start_gunicorn(self) -> subprocess.Popen:
        log(
            f"starting gunicorn: {self.config.workers} {self.config.worker_class} workers"
            + (f" x {self.config.threads} threads" if self.config.worker_class == "gthread" else "")
        )
        import socket

        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.config.http_port)) == 0:
                raise RuntimeError(f"port {self.config.http_port} is taken: set BENCH_HTTP_PORT")
        process = self._spawn("gunicorn", self.gunicorn_argv(), self.config.django_env())
        self.wait_http("/bench/ceiling", timeout=60)
        return process

    def start_celery(
        self, name: str = "celery", *, concurrency: int = 1, queue: str | None = None, **extra_env: str
    ) -> subprocess.Popen:
        log(f"starting a Celery worker ({name})")
        argv = [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-P",
            "prefork",
            "-c",
            str(concurrency),
            *(["-Q", queue] if queue else []),
            "-n",
            f"{name}@%h",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "INFO",
        ]
        process = self._spawn(name, argv, self.config.django_env(**extra_env))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if " ready." in (self.logdir / f"{name}.log").read_text(errors="replace").split("====")[-1]:
                return process
            if process.poll() is not None:
                raise RuntimeError(f"celery worker exited: see {self.logdir / f'{name}.log'}")
            time.sleep(0.2)
        raise RuntimeError("celery worker did not become ready")

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)  # its own session: the master and its children
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        logfile = self._logs.pop(name, None)
        if logfile:
            logfile.close()

    def close(self) -> None:
        for name in list(self.processes):
            self.stop(name)
        self.stop_services()

    def wait_http(self, path: str, *, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.config.base_url + path, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError) as exc:
                last = exc
            time.sleep(0.25)
        raise RuntimeError(f"{path} did not answer within {timeout}s: {last}")

    # --- measuring ----------------------------------------------------------------------------

    def worker_memory(self) -> list[dict[str, int]]:
        """RSS and PSS (kB) of every gunicorn worker: the master's children."""
        master = self.processes.get("gunicorn")
        if master is None:
            return []
        out = []
        for pid in children(master.pid):
            rss = pss = 0
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1])
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        pss = int(line.split()[1])
            except OSError:
                continue
            out.append({"pid": pid, "rss_kb": rss, "pss_kb": pss})
        return out

    def wrk(
        self,
        requests_file: Path,
        *,
        connections: int,
        duration: float,
        out: Path,
        threads: int | None = None,
        timeout: str = "5s",
    ) -> dict:
        threads = threads or min(2, connections)
        argv = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration:g}s",
            "--timeout",
            timeout,
            "-s",
            str(BENCH / "wrk" / "bench.lua"),
            self.config.base_url,
        ]
        env = {**os.environ, "BENCH_REQUESTS": str(requests_file), "BENCH_OUT": str(out)}
        out.unlink(missing_ok=True)
        result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not out.exists():
            raise RuntimeError(f"wrk failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        data = json.loads(out.read_text())
        data["rps"] = data["requests"] / (data["duration_us"] / 1e6) if data["duration_us"] else 0.0
        data["socket_errors"] = sum(data["errors"][k] for k in ("connect", "read", "write", "timeout"))
        data["connections"] = connections
        return data


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def write_requests(path: Path, lines: list[tuple[str, str, dict[str, str], str]]) -> Path:
    """The request file bench.lua reads: METHOD, path, headers, body per line."""
    with path.open("w") as f:
        for method, target, headers, body in lines:
            header_text = "|".join(f"{k}: {v}" for k, v in headers.items())
            if any(ch in part for part in (method, target, body) for ch in "\t\n"):
                raise ValueError("tabs and newlines cannot be sent through the request file")
            f.write(f"{method}\t{target}\t{header_text}\t{body}\n")
    return path
