"""config.settings as a deployment meets it: the secret key, the database URL.

Most tests start ``manage.py`` or Django in a subprocess, because the rules
run while the settings module is imported.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from django.core import checks
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from core import secret_key
from core.checks import check_known_secret_key
from tests.factories import UserFactory

BASE_DIR = Path(__file__).resolve().parents[2]
PUBLIC = {"DJANGO_ALLOWED_HOSTS": "walks.example.org", "DJANGO_DEBUG": "0"}
PRINT_KEYS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.SECRET_KEY, settings.SIMPLE_JWT['SIGNING_KEY'])"
)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The embedded default on a fresh machine: no services, no key, nothing in the repository's var/."""
    unset = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY", "JWT_SIGNING_KEY"}
    unset |= {"DJANGO_ALLOWED_HOSTS", "DJANGO_DEBUG", "DJANGO_SECRET_KEY_FILE"}
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY_FILE": str(tmp_path / "var" / "secret_key"),
            "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
            "CACHE_DIR": str(tmp_path / "cache"),
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
            "MEDIA_ROOT": str(tmp_path / "media"),
        }
    )
    env.update(extra)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180, check=False
    )


# --- The committed key ---------------------------------------------------------------------------


def test_the_committed_key_is_refused_at_start_on_a_public_host(tmp_path):
    committed = {"DJANGO_SECRET_KEY": secret_key.COMMITTED_KEY}

    refused = _run(_env(tmp_path, **committed, **PUBLIC), "manage.py", "check")
    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY is the key committed to the repository" in refused.stderr

    # A JWT key of its own does not make the committed one acceptable, nor the reverse.
    jwt_only = _run(_env(tmp_path, JWT_SIGNING_KEY=secret_key.COMMITTED_KEY, **PUBLIC), "manage.py", "check")
    assert jwt_only.returncode != 0
    assert "JWT_SIGNING_KEY is the key committed to the repository" in jwt_only.stderr

    # On a laptop (loopback hosts, or DEBUG on) it still starts.
    local = _run(_env(tmp_path, **committed, DJANGO_DEBUG="0"), "manage.py", "check")
    assert local.returncode == 0, local.stderr
    debugging = _run(_env(tmp_path, **committed, **{**PUBLIC, "DJANGO_DEBUG": "1"}), "manage.py", "check")
    assert debugging.returncode == 0, debugging.stderr


def test_services_without_a_key_still_refuse_to_start(tmp_path):
    result = _run(_env(tmp_path, REDIS_URL="redis://127.0.0.1:1/0"), "-c", PRINT_KEYS)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DATABASE_URL or REDIS_URL is" in result.stderr
    assert not (tmp_path / "var" / "secret_key").exists()


def test_the_system_check_reports_the_committed_key_on_a_public_host(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["walks.example.org", "localhost"]
    settings.SECRET_KEY = secret_key.COMMITTED_KEY
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "SIGNING_KEY": secret_key.COMMITTED_KEY}

    errors = [error for error in checks.run_checks(tags=[checks.Tags.security]) if error.id == "core.E001"]
    assert [error.msg.split(" ")[0] for error in errors] == ["SECRET_KEY", "SIMPLE_JWT['SIGNING_KEY']"]
    assert all(error.level == checks.ERROR for error in errors)

    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", ".localhost", "testserver"]
    assert check_known_secret_key(None) == []
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = True
    assert check_known_secret_key(None) == []


def test_the_suite_itself_does_not_sign_with_the_committed_key(settings):
    assert settings.SECRET_KEY not in secret_key.KNOWN_KEYS
    assert settings.SIMPLE_JWT["SIGNING_KEY"] not in secret_key.KNOWN_KEYS
    assert check_known_secret_key(None) == []


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("walks.localhost", True),
        (".localhost", True),
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("testserver", True),
        ("*", False),
        ("walks.example.org", False),
        ("127.example.org", False),
        ("localhost.example.org", False),
        ("192.168.1.10", False),
        ("0.0.0.0", False),
    ],
)
def test_loopback_hosts(host, loopback):
    assert secret_key.host_is_loopback(host) is loopback


# --- The generated key ---------------------------------------------------------------------------


def test_a_generated_key_is_created_once_with_mode_0600_and_reused(tmp_path):
    path = tmp_path / "var" / "secret_key"
    key = secret_key.load_or_create(path)

    assert len(key) >= 50 and key not in secret_key.KNOWN_KEYS
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip() == key
    assert secret_key.load_or_create(path) == key
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary file left behind
    assert secret_key.load_or_create(tmp_path / "other") != key


def test_a_process_that_loses_the_race_uses_the_winners_key(tmp_path, monkeypatch):
    path = tmp_path / "secret_key"
    link = os.link

    def another_process_was_first(source, destination):
        Path(destination).write_text("the-winners-key\n")
        link(source, destination)

    monkeypatch.setattr(secret_key.os, "link", another_process_was_first)
    assert secret_key.load_or_create(path) == "the-winners-key"
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_an_empty_or_unwritable_key_file_stops_the_start_with_a_clear_error(tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ImproperlyConfigured, match="is empty"):
        secret_key.load_or_create(tmp_path / "empty")
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        secret_key.load_or_create(tmp_path / "file" / "secret_key")


def test_without_a_key_every_process_of_an_install_signs_with_one_generated_key(tmp_path):
    """Three processes start at once on a fresh install, like gunicorn workers."""
    env = _env(tmp_path, **PUBLIC)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PRINT_KEYS], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    outputs = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=180)
        assert process.returncode == 0, stderr.decode()
        outputs.append(stdout.decode().split())

    path = tmp_path / "var" / "secret_key"
    key = path.read_text().strip()
    assert outputs == [[key, key]] * 3
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # Restarted, it keeps the key (sessions and tokens survive a restart).
    again = _run(env, "-c", PRINT_KEYS)
    assert again.stdout.split() == [key, key]


@pytest.mark.django_db
def test_a_jwt_forged_with_the_committed_key_is_refused(settings):
    """Security finding: on a single-machine install a forged superuser JWT,
    signed with the key in the repository, was accepted. The install now signs
    with a key of its own, so the same token gets 401."""
    admin = UserFactory(is_staff=True, is_superuser=True)
    claims = dict(AccessToken.for_user(admin).payload)
    algorithm = settings.SIMPLE_JWT.get("ALGORITHM", "HS256")

    def me(key: str):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Bearer " + jwt.encode(claims, key, algorithm=algorithm))
        return client.get("/api/v1/user/@me")

    # The claims are those of a valid token: signed with the install's key they work...
    genuine = me(settings.SIMPLE_JWT["SIGNING_KEY"])
    assert genuine.status_code == 200 and genuine.json()["email"] == admin.email
    # ...and signed with the committed key they do not.
    forged = me(secret_key.COMMITTED_KEY)
    assert forged.status_code == 401
    assert forged.json()["code"] == "token_invalid"


# --- The database URL ----------------------------------------------------------------------------


def test_a_sqlite_database_url_starts_and_migrates(tmp_path):
    database = tmp_path / "x.sqlite3"
    env = _env(tmp_path, DATABASE_URL=f"sqlite:///{database}", DJANGO_SECRET_KEY="a-test-only-key-" + "s" * 40)

    check = _run(env, "manage.py", "check", "--database", "default")
    assert check.returncode == 0, check.stderr
    migrate = _run(env, "manage.py", "migrate", "--noinput", "-v", "0")
    assert migrate.returncode == 0, migrate.stderr
    assert database.stat().st_size > 0
