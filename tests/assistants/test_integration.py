"""The whole connection as an assistant makes it, against a running server.

``uvicorn config.asgi:application`` on a temporary SQLite file (the embedded
default). The test is the assistant: it discovers the authorization server
from the 401 of /mcp, registers itself (RFC 7591), sends the person to the
consent page (signed in through the real sign-in form), exchanges the code
with its PKCE verifier, then talks MCP with the SDK's own client: lists and
calls every tool. The writes show on the title page and in the REST API; the
refresh token rotates; Disconnect in Settings ends the token at once.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2 as httpx
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from .conftest import run_async

pytestmark = pytest.mark.integration

BASE_DIR = Path(__file__).resolve().parents[2]
EMAIL = "walker@example.com"
PASSWORD = "a-long-test-passphrase-7"

SETUP = """
import django; django.setup()
from accounts.models import User
from catalog.models import Title
user = User.objects.create_user(%(email)r, %(password)r, username="walker", locale="en")
game = Title.objects.create(name="Elden Ring", type="game", release_year=2022)
Title.objects.create(name="Elden Ring Nightreign", type="game", release_year=2025)
film = Title.objects.create(name="Arrival", type="film", release_year=2016)
print(game.pk, film.pk)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _hidden_inputs(page: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]+>", page):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


class Server:
    def __init__(self, base: str, db_path: Path, game_id: int, film_id: int, log: Path):
        self.base, self.db_path, self.game_id, self.film_id, self.log = base, db_path, game_id, film_id, log

    def sql(self, statement: str, params=()):
        with sqlite3.connect(self.db_path, timeout=20) as conn:
            return conn.execute(statement, params).fetchall()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mcp-site")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL"}}
    env.update(
        {
            "SQLITE_PATH": str(tmp / "db.sqlite3"),
            "EMAIL_FILE_PATH": str(tmp / "mail"),
            "MEDIA_ROOT": str(tmp / "media"),
            "CACHE_DIR": str(tmp / "cache"),
            "EMAIL_BACKEND": "core.mail.FileAndConsoleEmailBackend",
            "SITE_URL": base,
            "DJANGO_DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    (tmp / "mail").mkdir()
    run = {"cwd": BASE_DIR, "env": env, "check": True, "timeout": 180}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], **run)
    out = subprocess.run(
        [sys.executable, "-c", SETUP % {"email": EMAIL, "password": PASSWORD}], capture_output=True, text=True, **run
    )
    game_id, film_id = map(int, out.stdout.split())
    log = tmp / "server.log"
    with open(log, "w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code in (200, 503):
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"uvicorn did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield Server(base, tmp / "db.sqlite3", game_id, film_id, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _signed_in_browser(server: Server) -> httpx.Client:
    """A person's browser, signed in through the real sign-in form."""
    browser = httpx.Client(base_url=server.base, timeout=30)
    page = browser.get("/signin/")
    assert page.status_code == 200
    reply = browser.post(
        "/signin/",
        data={"email": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": f"{server.base}/signin/"},
    )
    assert reply.status_code == 302, reply.text[:500]
    return browser


def _authorize(server: Server, browser: httpx.Client, meta: dict, client: dict, *, scope: str, allow: bool = True):
    """The consent page, answered; returns (redirect query, verifier)."""
    verifier, challenge = _pkce()
    state = secrets.token_urlsafe(8)
    params = {
        "response_type": "code",
        "client_id": client["client_id"],
        "redirect_uri": client["redirect_uris"][0],
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "resource": f"{server.base}/mcp",
    }
    page = browser.get(meta["authorization_endpoint"] + "?" + urlencode(params))
    assert page.status_code == 200, page.text[:500]
    assert "Test Assistant" in page.text and "walker" in page.text
    form = _hidden_inputs(page.text)
    assert form["code_challenge"] == challenge and form["resource"] == f"{server.base}/mcp"
    if allow:
        form["allow"] = "on"
    reply = browser.post(
        meta["authorization_endpoint"] + "?" + urlencode(params),
        data=form,
        headers={"Referer": str(page.url)},
    )
    assert reply.status_code == 302, reply.text[:500]
    location = reply.headers["location"]
    assert location.startswith(client["redirect_uris"][0])
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["state"] == state
    assert query["iss"] == server.base  # RFC 9207
    return query, verifier


def _exchange(server: Server, meta: dict, client: dict, code: str, verifier: str) -> httpx.Response:
    return httpx.post(
        meta["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": client["redirect_uris"][0],
            "client_id": client["client_id"],
            "code_verifier": verifier,
            "resource": f"{server.base}/mcp",
        },
        timeout=30,
    )


async def _mcp(server: Server, token: str, calls):
    """Open an MCP session with the SDK's client and run ``calls(session)``."""
    async with (
        httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http,
        streamable_http_client(f"{server.base}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        return await calls(session)


def _result(result) -> dict:
    assert not result.is_error, result.content
    return result.structured_content


def test_the_whole_connection(server):
    # 1. Discovery from a 401.
    first = httpx.post(f"{server.base}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert first.status_code == 401
    challenge = first.headers["www-authenticate"]
    metadata_url = re.search(r'resource_metadata="([^"]+)"', challenge).group(1)
    resource_meta = httpx.get(metadata_url).json()
    assert resource_meta["resource"] == f"{server.base}/mcp"
    assert set(resource_meta["scopes_supported"]) == {"walks:read", "walks:write"}
    assert httpx.get(f"{server.base}/.well-known/oauth-protected-resource").json() == resource_meta
    issuer = resource_meta["authorization_servers"][0]
    meta = httpx.get(f"{issuer}/.well-known/oauth-authorization-server").json()
    assert meta["issuer"] == issuer == server.base
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["grant_types_supported"] == ["authorization_code", "refresh_token"]

    # 2. Dynamic registration.
    callback = f"http://127.0.0.1:{_free_port()}/callback"
    registered = httpx.post(
        meta["registration_endpoint"],
        json={"client_name": "Test Assistant", "redirect_uris": [callback], "token_endpoint_auth_method": "none"},
    )
    assert registered.status_code == 201, registered.text
    client = registered.json()
    assert client["token_endpoint_auth_method"] == "none" and "client_secret" not in client

    # 3. The consent page, signed in, Allow; 4. the code for tokens with the PKCE verifier.
    browser = _signed_in_browser(server)
    query, verifier = _authorize(server, browser, meta, client, scope="walks:read walks:write")
    tokens = _exchange(server, meta, client, query["code"], verifier)
    assert tokens.status_code == 200, tokens.text
    tokens = tokens.json()
    assert tokens["token_type"] == "Bearer" and set(tokens["scope"].split()) == {"walks:read", "walks:write"}
    assert tokens["resource"] == f"{server.base}/mcp"
    # Hashed at rest: the database holds the SHA-256, never the token.
    stored = server.sql("SELECT token, token_checksum FROM oauth2_provider_accesstoken")
    assert stored == [("", hashlib.sha256(tokens["access_token"].encode()).hexdigest())]
    # The code works once.
    assert _exchange(server, meta, client, query["code"], verifier).status_code == 400

    # 5. MCP with the SDK's client: every tool.
    game, film = server.game_id, server.film_id

    async def every_tool(session):
        listed = await session.list_tools()
        tools = {t.name: t for t in listed.tools}
        assert set(tools) >= {
            "search_titles", "get_title", "my_walks", "my_reviews", "set_walk", "remove_walk",
            "review_title", "delete_review", "request_profile_edit_link",
        }  # fmt: skip
        for name in ("search_titles", "get_title", "my_walks", "my_reviews"):
            assert tools[name].annotations.read_only_hint is True
        assert tools["set_walk"].annotations.read_only_hint is False
        assert tools["set_walk"].input_schema["properties"]["state"]["enum"] == [
            "in_progress", "completed", "hundred_percent",
        ]  # fmt: skip

        found = _result(await session.call_tool("search_titles", {"type": "game", "query": "elden ring"}))
        assert [t["name"] for t in found["titles"]] == ["Elden Ring", "Elden Ring Nightreign"] or {
            t["name"] for t in found["titles"]
        } == {"Elden Ring", "Elden Ring Nightreign"}
        walk = _result(await session.call_tool("set_walk", {"title_id": game, "state": "hundred_percent"}))
        assert walk == {"title_id": game, "state": "hundred_percent", "created": True}
        review = _result(await session.call_tool("review_title", {"title_id": game, "rating": 92, "text": "Vast."}))
        assert review["rating"] == 92
        mine = _result(await session.call_tool("get_title", {"title_id": game}))
        assert mine["my_walk"]["state"] == "hundred_percent" and mine["my_review"]["rating"] == 92
        _result(await session.call_tool("set_walk", {"title_id": film, "state": "completed"}))
        _result(await session.call_tool("review_title", {"title_id": film, "rating": 80}))
        walks = _result(await session.call_tool("my_walks", {"type": "game"}))
        assert [w["title"]["id"] for w in walks["walks"]] == [game]
        reviews = _result(await session.call_tool("my_reviews", {}))
        assert {r["title"]["id"] for r in reviews["reviews"]} == {game, film}
        assert _result(await session.call_tool("remove_walk", {"title_id": film}))["removed"] is True
        assert _result(await session.call_tool("delete_review", {"title_id": film}))["deleted"] is True
        sent = _result(await session.call_tool("request_profile_edit_link", {}))
        assert sent["sent"] is True and sent["email"] == "w***@e***.com"

        # The service's own message comes back as a tool error.
        bad = await session.call_tool("review_title", {"title_id": game, "rating": 101})
        assert bad.is_error and "0 to 100" in bad.content[0].text
        missing = await session.call_tool("remove_walk", {"title_id": film})
        assert missing.is_error and "no walk" in missing.content[0].text
        unknown = await session.call_tool("set_walk", {"title_id": 999999, "state": "completed"})
        assert unknown.is_error and "No title has this id" in unknown.content[0].text

    run_async(_mcp, server, tokens["access_token"], every_tool)

    # 6. The writes, on the title page and through the REST API.
    page = browser.get(f"/titles/{game}/")
    assert page.status_code == 200 and "Vast." in page.text
    api = browser.get(f"/api/v1/titles/{game}").json()
    assert api["walk"]["state"] == "hundred_percent" and api["review"]["rating"] == 92
    assert browser.get(f"/api/v1/titles/{film}").json()["walk"] is None
    # Attributed to the client.
    writes = server.sql("SELECT client_name, tool, title_id FROM assistants_mcpwrite ORDER BY id")
    assert writes[:2] == [("Test Assistant", "set_walk", game), ("Test Assistant", "review_title", game)]
    assert ("Test Assistant", "request_profile_edit_link", None) in writes
    # The edit link went to the person's own mailbox.
    assert any(EMAIL in p.read_text(errors="replace") for p in (server.db_path.parent / "mail").glob("*.eml"))

    # 7. Refresh: a new pair; the old refresh token is spent.
    refresh = {
        "grant_type": "refresh_token",
        "client_id": client["client_id"],
        "refresh_token": tokens["refresh_token"],
    }
    renewed = httpx.post(meta["token_endpoint"], data=refresh)
    assert renewed.status_code == 200, renewed.text
    renewed = renewed.json()
    assert renewed["refresh_token"] != tokens["refresh_token"] and renewed["access_token"] != tokens["access_token"]
    assert renewed["resource"] == f"{server.base}/mcp"

    async def one_read(session):
        return _result(await session.call_tool("get_title", {"title_id": game}))

    assert run_async(_mcp, server, renewed["access_token"], one_read)["my_walk"]["state"] == "hundred_percent"

    # 8. Disconnect in Settings; the next call is refused with 401.
    settings_page = browser.get("/settings/")
    assert 'href="/settings/assistants/"' in settings_page.text
    listing = browser.get("/settings/assistants/")
    assert "Test Assistant" in listing.text
    action = re.search(r'action="(/settings/assistants/\d+/disconnect/)"', listing.text).group(1)
    done = browser.post(
        action,
        data={"csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": f"{server.base}/settings/assistants/"},
    )
    assert done.status_code == 302
    assert "Test Assistant" not in browser.get("/settings/assistants/").text
    after = httpx.post(
        f"{server.base}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Authorization": f"Bearer {renewed['access_token']}", "Accept": "application/json, text/event-stream"},
    )
    assert after.status_code == 401
    assert "resource_metadata=" in after.headers["www-authenticate"]
    assert (
        httpx.post(meta["token_endpoint"], data={**refresh, "refresh_token": renewed["refresh_token"]}).status_code
        == 400
    )


def _mcp_status(server: Server, token: str | None) -> int:
    headers = {"Accept": "application/json, text/event-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(
        f"{server.base}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=headers
    ).status_code


def test_refusals_at_the_mcp_endpoint(server):
    meta = httpx.get(f"{server.base}/.well-known/oauth-authorization-server").json()
    callback = f"http://127.0.0.1:{_free_port()}/cb"
    client = httpx.post(
        meta["registration_endpoint"], json={"client_name": "Test Assistant", "redirect_uris": [callback]}
    ).json()
    browser = _signed_in_browser(server)

    def token(scope: str) -> dict:
        query, verifier = _authorize(server, browser, meta, client, scope=scope)
        reply = _exchange(server, meta, client, query["code"], verifier)
        assert reply.status_code == 200, reply.text
        return reply.json()

    # No token, a made-up one.
    assert _mcp_status(server, None) == 401
    assert _mcp_status(server, "not-a-token") == 401

    # A read-only token: reads work, a write tool is refused, nothing written.
    read_only = token("walks:read")
    assert read_only["scope"] == "walks:read"

    async def try_write(session):
        assert not (await session.call_tool("get_title", {"title_id": server.film_id})).is_error
        return await session.call_tool("set_walk", {"title_id": server.film_id, "state": "completed"})

    refused = run_async(_mcp, server, read_only["access_token"], try_write)
    assert refused.is_error and "walks:write" in refused.content[0].text
    assert server.sql("SELECT COUNT(*) FROM walks_walk WHERE title_id = ?", (server.film_id,)) == [(0,)]

    # Expired.
    expired = token("walks:read walks:write")
    assert _mcp_status(server, expired["access_token"]) == 200
    checksum = hashlib.sha256(expired["access_token"].encode()).hexdigest()
    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    server.sql("UPDATE oauth2_provider_accesstoken SET expires = ? WHERE token_checksum = ?", (past, checksum))
    assert _mcp_status(server, expired["access_token"]) == 401

    # Revoked at the revocation endpoint.
    revoked = token("walks:read")
    assert _mcp_status(server, revoked["access_token"]) == 200
    reply = httpx.post(
        meta["revocation_endpoint"], data={"token": revoked["access_token"], "client_id": client["client_id"]}
    )
    assert reply.status_code == 200
    assert _mcp_status(server, revoked["access_token"]) == 401

    # A token for another resource (the audience is checked on every call).
    other = token("walks:read")
    checksum = hashlib.sha256(other["access_token"].encode()).hexdigest()
    server.sql(
        "UPDATE oauth2_provider_accesstoken SET resource = ? WHERE token_checksum = ?",
        (json.dumps(["https://other.example/mcp"]), checksum),
    )
    assert _mcp_status(server, other["access_token"]) == 401
