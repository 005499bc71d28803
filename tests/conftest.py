"""Shared fixtures: API clients, users, the cache and Celery in tests, and a
real Chromium driven by Playwright for browser tests."""

from __future__ import annotations

import os
import shutil

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.services import token_pair_issue
from config.celery import app as celery_app

from .factories import UserFactory

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def pytest_configure(config):
    """Every test process gets a cache namespace of its own, so that clearing
    it between tests touches no other process (xdist workers, or two people
    running tests on one machine) and never someone's dev server."""
    import tempfile

    from django.conf import settings

    default = settings.CACHES["default"]
    if default["BACKEND"].endswith("FileBasedCache"):
        default["LOCATION"] = config._walks_cache_dir = tempfile.mkdtemp(prefix="walks-test-cache-")
    else:
        default["KEY_PREFIX"] = f"walks-test-{os.getpid()}"
        # On a loaded CI machine (two cores, eight test processes) Redis may
        # answer after the production second; a timeout there is a silent
        # miss (IGNORE_EXCEPTIONS), which loses rate-limit counts mid-test.
        default["OPTIONS"] = {**default.get("OPTIONS", {}), "SOCKET_TIMEOUT": 10, "SOCKET_CONNECT_TIMEOUT": 10}


def pytest_unconfigure(config):
    if getattr(config, "_walks_cache_dir", None):
        shutil.rmtree(config._walks_cache_dir, ignore_errors=True)


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))


def _clear_cache():
    # On Redis, clear() would flush the database under every other pytest
    # worker too; delete only this worker's keys (its KEY_PREFIX).
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture
def clear_cache():
    """Empty this test process's cache, as a cache restart would: never
    ``cache.clear()``, which on Redis flushes every other worker's keys too."""
    return _clear_cache


@pytest.fixture(autouse=True)
def _isolated_cache():
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture(autouse=True)
def _one_rate_limit_window(monkeypatch):
    """Each test counts in one fixed window: a window rolling over mid-test
    (a 60-second one, on a slow machine) would reset the count it asserts.
    Tests about windows move this clock themselves."""
    from core import ratelimit

    now = ratelimit.clock()
    monkeypatch.setattr(ratelimit, "clock", lambda: now)


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Tasks run in the test's own process unless a test starts a worker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def api_client():
    return APIClient()


def jwt_client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_issue(user=user)['access']}")
    return client


def session_client_for(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=False)
    client.force_login(user)
    return client


@pytest.fixture(params=["jwt", "session"])
def auth_client(request, user):
    """The same API call as the mobile client (JWT) and as the browser (session)."""
    client = jwt_client_for(user) if request.param == "jwt" else session_client_for(user)
    client.user = user
    return client


@pytest.fixture
def jwt_client(user):
    client = jwt_client_for(user)
    client.user = user
    return client


# --- Browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}; .ci/run installs it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM
    # calls from the test body are still synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(_browser, live_server):
    """A fresh browser context (no cookies) on a phone-sized screen is
    ``mobile_page``; this one is a laptop. ``page.base`` is the live server."""
    context = _browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.base = live_server.url
    yield pg
    context.close()


@pytest.fixture
def mobile_page(_browser, live_server):
    context = _browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-US"
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.base = live_server.url
    yield pg
    context.close()


@pytest.fixture
def new_page(_browser, live_server):
    """Open another independent browser (a second person)."""
    contexts = []

    def make(**kwargs):
        context = _browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", **kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        pg = context.new_page()
        pg.base = live_server.url
        return pg

    yield make
    for context in contexts:
        context.close()


# --- A real Celery worker ----------------------------------------------------------------


class WorkerProcess:
    def __init__(self, process, queue: str, mail_dir):
        self.process = process
        self.queue = queue
        self.mail_dir = mail_dir

    def wait_for(self, predicate, *, timeout: float = 30.0, interval: float = 0.2):
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            if self.process.poll() is not None:
                raise AssertionError(f"celery worker exited with {self.process.returncode}:\n{self.output()}")
            time.sleep(interval)
        raise AssertionError(f"condition not met within {timeout}s; worker log:\n{self.output()}")

    def output(self) -> str:
        return (self.mail_dir.parent / "worker.log").read_text(errors="replace")


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real ``celery worker`` process on Redis, consuming a queue of its own
    and using this test's database. Send it work with ``apply_async(queue=w.queue)``."""
    import subprocess
    import sys
    import uuid

    from django.conf import settings
    from django.db import connection

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url or connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("REDIS_URL and DATABASE_URL (PostgreSQL) must be set for integration tests")
        pytest.skip("needs REDIS_URL and PostgreSQL (the integration run of .ci/run)")
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    queue = f"test-{uuid.uuid4().hex[:10]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "EMAIL_FILE_PATH": str(mail_dir),
        "EMAIL_BACKEND": "core.mail.FileAndConsoleEmailBackend",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "test-secret"),
        # The worker shares this test process's cache namespace: what one
        # side sets (the rating drain's "queued" flag) the other must see.
        "CACHE_KEY_PREFIX": settings.CACHES["default"].get("KEY_PREFIX", ""),
    }
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "INFO",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    worker = WorkerProcess(process, queue, mail_dir)
    try:
        # Redis drops messages sent to a queue nobody has declared yet.
        worker.wait_for(lambda: " ready." in worker.output(), timeout=60)
        yield worker
    finally:
        celery_app.conf.task_always_eager = previous
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# --- Metadata providers: never the internet ------------------------------------------------


@pytest.fixture(autouse=True)
def _no_provider_network(settings):
    """No test reaches a real provider: AniList (on by default) is off and
    points at a closed loopback port, TMDB and IGDB have no credentials.
    Tests that want a provider turn it on against a local fake."""
    from catalog import providers

    closed = "http://127.0.0.1:9"
    settings.ANILIST_ENABLED = False
    settings.ANILIST_API_URL = closed
    settings.ANILIST_IMAGE_URL = f"{closed}/anilist-images"
    settings.TMDB_API_KEY = ""
    settings.TMDB_API_URL = f"{closed}/tmdb"
    settings.TMDB_IMAGE_URL = f"{closed}/tmdb-images"
    settings.IGDB_CLIENT_ID = settings.IGDB_CLIENT_SECRET = ""
    settings.IGDB_API_URL = f"{closed}/igdb"
    settings.IGDB_TOKEN_URL = f"{closed}/twitch/token"
    settings.IGDB_IMAGE_URL = f"{closed}/igdb-images"
    providers._instances.clear()
    yield
    providers._instances.clear()


def admin_login(client, user):
    """Sign ``user`` in on ``client`` with a verified second factor, as ``/admin/``
    demands of staff (accounts.mfa): a confirmed authenticator (theirs, or a new
    one), and the session marked verified by it, as the code step of signing in
    leaves it. Works for anyone with a second factor, not only staff."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.pop("accounts:mfa_step_up", None)
    session.save()
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``committed(fn, **kwargs)``: run a write as if its transaction
    committed (a test's own never does), with the bumps it leaves for then."""

    def call(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return call
