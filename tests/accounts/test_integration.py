"""The embedded default under several worker processes.

``gunicorn config.wsgi -w 2`` on a temporary SQLite file, file cache and mail
directory, exactly as ``make serve`` runs it. Codes, attempt counters and
rate limits live in the shared file cache, so whichever process serves a
request sees what the other one wrote.
"""

from __future__ import annotations

import email
import http.client
import json
import os
import re
import socket
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from email.header import decode_header, make_header
from pathlib import Path

import jwt
import pytest

from core.secret_key import COMMITTED_KEY

BASE_DIR = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-test-passphrase-7"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Site:
    def __init__(self, port: int, mail_dir: Path, access_log: Path):
        self.port, self.mail_dir, self.access_log = port, mail_dir, access_log

    def request(self, method: str, path: str, body: dict | None = None, token: str | None = None):
        # A new connection per request, so that either worker may take it.
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/json", "Connection": "close"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        return response.status, (json.loads(raw) if raw else None)

    def post(self, path: str, body: dict, token: str | None = None):
        return self.request("POST", "/api/v1" + path, body, token)

    def parallel(self, calls):
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(lambda call: self.post(*call), calls))

    def code_for(self, address: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in sorted(self.mail_dir.glob("*.eml"), reverse=True):
                raw = path.read_bytes().split(b"\n" + b"-" * 79)[0]
                message = email.message_from_bytes(raw)
                if address in message["To"]:
                    subject = str(make_header(decode_header(message["Subject"])))
                    found = re.search(r"\b(\d{6})\b", subject)
                    if found:
                        return found.group(1)
            time.sleep(0.1)
        raise AssertionError(f"no code e-mailed to {address}")

    def worker_pids(self) -> set[str]:
        return {line.split()[0] for line in self.access_log.read_text().splitlines() if line.strip()}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("site")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    # No key given: the install generates its own, as a fresh one does.
    for name in ("DJANGO_SECRET_KEY", "JWT_SIGNING_KEY"):
        env.pop(name, None)
    env.update(
        {
            "DJANGO_SECRET_KEY_FILE": str(tmp_path / "var" / "secret_key"),
            "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
            "EMAIL_FILE_PATH": str(tmp_path / "mail"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "EMAIL_BACKEND": "core.mail.FileAndConsoleEmailBackend",
            # The cache both processes share: a directory of our own, not the dev server's.
            "CACHE_DIR": str(tmp_path / "cache"),
            "DJANGO_DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    (tmp_path / "mail").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=BASE_DIR, env=env, check=True, timeout=180
    )
    port = _free_port()
    access_log = tmp_path / "access.log"
    server_log = open(tmp_path / "server.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(p)s %(m)s %(U)s %(s)s",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    site = Site(port, tmp_path / "mail", access_log)
    site.env, site.key_file = env, tmp_path / "var" / "secret_key"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if site.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("gunicorn did not start:\n" + (tmp_path / "server.log").read_text())
            time.sleep(0.2)
        yield site
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        server_log.close()


@pytest.mark.integration
def test_codes_and_limits_hold_across_two_worker_processes(site):
    # One code per address per 10 s, whichever process answers.
    assert site.post("/auth/email/validate", {"email": "ann@example.com"})[0] == 202
    again = site.parallel([("/auth/email/validate", {"email": "ann@example.com"})] * 6)
    assert [status for status, _ in again] == [429] * 6

    # Five wrong tries, spread over both processes, kill the code for everyone.
    code = site.code_for("ann@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    signup = {"email": "ann@example.com", "username": "ann", "password": PASSWORD}
    results = site.parallel([("/auth/signin", {**signup, "code": wrong})] * 5)
    assert sorted(body["code"] for _, body in results) == ["code_attempts_exceeded"] + ["code_invalid"] * 4
    status, body = site.post("/auth/signin", {**signup, "code": code})
    assert (status, body["code"]) == (400, "code_attempts_exceeded")

    # A right code works exactly once, even when sent to both processes at once.
    assert site.post("/auth/email/validate", {"email": "bob@example.com"})[0] == 202
    code = site.code_for("bob@example.com")
    attempts = site.parallel(
        [
            ("/auth/signin", {"email": "bob@example.com", "username": f"bob{i}", "password": PASSWORD, "code": code})
            for i in range(4)
        ]
    )
    statuses = sorted(status for status, _ in attempts)
    assert statuses == [201, 400, 400, 400], attempts

    # Sign-in, refresh rotation: a refresh token works once across processes.
    status, pair = site.post("/auth/token", {"email": "bob@example.com", "password": PASSWORD})
    assert status == 200, pair
    rotated = site.parallel([("/auth/token/update", {"refresh_token": pair["refresh"]})] * 3)
    assert sorted(status for status, _ in rotated) == [200, 401, 401]
    fresh = next(body for status, body in rotated if status == 200)
    # The two late presentations were a reuse of a rotated token: its whole
    # family ends, the pair the first one got included, in every process.
    status, body = site.request("GET", "/api/v1/user/@me", token=fresh["access"])
    assert (status, body["code"]) == (401, "token_revoked")
    assert site.post("/auth/token/update", {"refresh_token": fresh["refresh"]})[0] == 401

    # Failed sign-ins are counted in one place: after 5, even the right password waits.
    failures = site.parallel([("/auth/token", {"email": "bob@example.com", "password": "wrong-password"})] * 5)
    assert [status for status, _ in failures] == [401] * 5
    assert site.post("/auth/token", {"email": "bob@example.com", "password": PASSWORD})[0] == 429

    # Both processes took part.
    assert len(site.worker_pids()) == 2, site.access_log.read_text()


@pytest.mark.integration
def test_the_whole_account_flow_over_http_with_codes_from_the_mail_files(site):
    me = "/api/v1/user/@me"
    assert site.post("/auth/email/validate", {"email": "Cat@Example.com"})[0] == 202
    status, body = site.post(
        "/auth/signup",
        {"email": "cat@example.com", "username": "cat", "password": PASSWORD, "code": site.code_for("cat@example.com")},
    )
    assert status == 201 and body["user"]["email"] == "cat@example.com"
    first = body

    # Refresh rotates; presenting the rotated token again ends the whole family.
    status, rotated = site.post("/auth/token/update", {"refresh_token": first["refresh"]})
    assert status == 200 and site.post("/auth/token/update", {"refresh_token": first["refresh"]})[0] == 401
    assert site.request("GET", me, token=rotated["access"])[1]["code"] == "token_revoked"
    status, second = site.post("/auth/token", {"email": "cat@example.com", "password": PASSWORD})
    assert status == 200

    # Change the password: old tokens die, the reply's pair works.
    status, changed = site.post(
        "/auth/password/change",
        {"current_password": PASSWORD, "new_password": "cat-password-two-2"},
        token=second["access"],
    )
    assert status == 200
    assert site.request("GET", me, token=second["access"])[1]["code"] == "token_revoked"
    assert site.request("GET", me, token=changed["access"])[0] == 200

    # Change the e-mail with the code sent to the new address.
    new_email = "cat.new@example.com"
    assert (
        site.post("/auth/email/validate", {"email": new_email, "purpose": "change"}, token=changed["access"])[0] == 202
    )
    status, body = site.post(
        "/auth/email/change",
        {"email": new_email, "password": "cat-password-two-2", "code": site.code_for(new_email)},
        token=changed["access"],
    )
    assert (status, body["email"]) == (200, new_email)

    # Restore the password by e-mail: every refresh token stops working.
    # A code went to this address moments ago: the next one waits out the 10 seconds.
    assert site.post("/auth/password/restore", {"email": new_email})[0] == 429
    deadline = time.monotonic() + 15
    while (status := site.post("/auth/password/restore", {"email": new_email})[0]) == 429:
        assert time.monotonic() < deadline
        time.sleep(1)
    assert status == 202
    assert site.post("/auth/password/restore", {"email": "nobody@example.com"}) == (
        202,
        {"detail": "If an account uses nobody@example.com, a code to restore its password is on its way."},
    )
    status, _ = site.post(
        "/auth/password/restore/confirm",
        {"email": new_email, "code": site.code_for(new_email), "new_password": "cat-password-three-3"},
    )
    assert status == 200
    assert site.post("/auth/token/update", {"refresh_token": changed["refresh"]})[0] == 401
    status, pair = site.post("/auth/token", {"email": new_email, "password": "cat-password-three-3"})
    assert status == 200
    assert site.post("/auth/logout", {"refresh_token": pair["refresh"]})[0] == 204
    assert site.post("/auth/token/update", {"refresh_token": pair["refresh"]})[0] == 401


@pytest.mark.integration
def test_a_jwt_forged_with_the_committed_key_is_refused_by_an_install_that_made_its_own_key(site):
    """Security finding: a superuser JWT signed with the key in the repository
    was accepted by a single-machine install."""
    assert stat.S_IMODE(site.key_file.stat().st_mode) == 0o600
    email = "root@example.com"
    subprocess.run(
        [sys.executable, "manage.py", "createsuperuser", "--noinput", "--email", email],
        cwd=BASE_DIR,
        env={**site.env, "DJANGO_SUPERUSER_PASSWORD": PASSWORD},
        check=True,
        timeout=120,
    )
    status, pair = site.post("/auth/token", {"email": email, "password": PASSWORD})
    assert status == 200, pair
    claims = jwt.decode(pair["access"], options={"verify_signature": False})
    assert site.request("GET", "/api/v1/user/@me", token=pair["access"])[0] == 200

    # What anyone could mint: the superuser's id, no password claim, the committed key.
    forged_claims = {name: value for name, value in claims.items() if name != "pwv"}
    forged = jwt.encode(forged_claims, COMMITTED_KEY, algorithm="HS256")
    status, body = site.request("GET", "/api/v1/user/@me", token=forged)
    assert (status, body["code"]) == (401, "token_invalid")
