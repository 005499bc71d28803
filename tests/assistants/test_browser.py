"""The consent page in a real browser, on a laptop and a phone: an assistant
sends the person to Walks, they sign in, see who asks for what, and Allow or
Deny; the browser lands back on the assistant's callback with a code or with
``access_denied``."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from oauth2_provider.models import Grant

from tests.factories import DEFAULT_PASSWORD, UserFactory

from .factories import register_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALLBACK = "https://assistant.example/callback"


@pytest.fixture
def site(settings, live_server):
    settings.SITE_URL = live_server.url
    settings.MCP_RESOURCE = live_server.url + "/mcp"
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    return live_server.url


def _authorize_url(site: str, app) -> str:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": CALLBACK,
        "scope": "walks:read walks:write",
        "state": "st4te",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "resource": f"{site}/mcp",
    }
    return f"{site}/oauth/authorize/?{urlencode(query)}"


def _sign_in_to_consent(pg, site, app, user, screen):
    # The assistant's callback is not on this machine: answer it here and keep its URL.
    landed = []
    pg.route("https://assistant.example/**", lambda route: (landed.append(route.request.url), route.fulfill(body="ok")))
    pg.goto(_authorize_url(site, app))
    assert "/signin/" in pg.url
    pg.fill("input[name=email]", user.email)
    pg.fill("input[name=password]", DEFAULT_PASSWORD)
    pg.locator("main form.form button[type=submit]").click()
    pg.wait_for_url(lambda url: urlsplit(url).path == "/oauth/authorize/")
    assert pg.get_by_role("heading", level=1).inner_text() == "Allow Claude to use your Walks account?"
    scopes = pg.get_by_test_id("scopes").inner_text()
    assert "See the catalogue" in scopes and "Record, change and remove" in scopes
    assert "assistant.example" in pg.content()
    allow, deny = pg.get_by_test_id("allow"), pg.get_by_test_id("deny")
    assert allow.is_visible() and deny.is_visible()
    # Both buttons fit the screen side by side and are big enough to tap.
    box_a, box_d = allow.bounding_box(), deny.bounding_box()
    width = pg.viewport_size["width"]
    assert box_a["x"] + box_a["width"] <= width and box_d["x"] >= 0 and box_a["height"] >= 40
    pg.screenshot(path=f"/tmp/mcp-consent-{screen}.png", full_page=True)
    return landed


@pytest.mark.parametrize("screen", ["page", "mobile_page"])
def test_allow(request, screen, site):
    pg = request.getfixturevalue(screen)
    user = UserFactory(email="walker@example.com")
    app = register_client(name="Claude", redirect_uri=CALLBACK)
    landed = _sign_in_to_consent(pg, site, app, user, screen)
    pg.get_by_test_id("allow").click()
    pg.wait_for_url("https://assistant.example/**")
    query = parse_qs(urlsplit(landed[-1]).query)
    assert query["state"] == ["st4te"] and query["iss"] == [site]
    grant = Grant.objects.get(code=query["code"][0])
    assert grant.user == user and grant.application == app


@pytest.mark.parametrize("screen", ["page", "mobile_page"])
def test_deny(request, screen, site):
    pg = request.getfixturevalue(screen)
    user = UserFactory(email="walker@example.com")
    app = register_client(name="Claude", redirect_uri=CALLBACK)
    landed = _sign_in_to_consent(pg, site, app, user, screen)
    pg.get_by_test_id("deny").click()
    pg.wait_for_url("https://assistant.example/**")
    query = parse_qs(urlsplit(landed[-1]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["st4te"]
    assert not Grant.objects.exists()


def test_connections_page_and_disconnect_in_russian(page, site):
    user = UserFactory(email="walker@example.com", locale="ru")
    app = register_client(name="Claude", redirect_uri=CALLBACK)
    from .factories import issue_token

    issue_token(user=user, application=app)
    page.goto(f"{site}/signin/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main form.form button[type=submit]").click()
    page.goto(f"{site}/settings/assistants/")
    assert "Claude" in page.get_by_test_id("connections").inner_text()
    page.screenshot(path="/tmp/mcp-connections-ru.png", full_page=True)
    page.get_by_role("button", name="Отключить").click()
    assert "Отключено" in page.locator(".flash").inner_text()
    assert page.get_by_test_id("connections").count() == 0
