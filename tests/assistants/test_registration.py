"""RFC 7591 registration and the two metadata documents."""

from __future__ import annotations

import pytest
from django.conf import settings
from oauth2_provider.models import Application

from core import ratelimit

pytestmark = pytest.mark.django_db


def _register(client, body, **kwargs):
    return client.post("/oauth/register/", body, content_type="application/json", **kwargs)


@pytest.mark.parametrize(
    "uri",
    [
        "https://chatgpt.com/connector_platform_oauth_redirect",
        "https://claude.ai/api/mcp/auth_callback",
        "http://localhost:6274/oauth/callback",
        "http://127.0.0.1:33418/callback",
        "http://[::1]:8080/cb",
    ],
)
def test_registers_a_public_client(client, uri):
    reply = _register(
        client, {"client_name": "Claude", "redirect_uris": [uri], "token_endpoint_auth_method": "client_secret_post"}
    )
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert body["redirect_uris"] == [uri]
    # Public whatever it asked for: no secret to leak, PKCE protects the code.
    assert body["token_endpoint_auth_method"] == "none" and "client_secret" not in body
    assert body["grant_types"] == ["authorization_code", "refresh_token"]
    app = Application.objects.get(client_id=body["client_id"])
    assert app.client_type == "public" and app.name == "Claude" and app.redirect_uris == uri
    assert app.registration_source == "dcr" and not app.skip_authorization


@pytest.mark.parametrize(
    ("uri", "why"),
    [
        ("http://assistant.example/callback", "https"),
        ("ftp://assistant.example/callback", "https"),
        ("cursor://anysphere/callback", "https"),
        ("javascript:alert(1)", "host"),
        ("https://assistant.example/cb#frag", "fragment"),
        ("https://user:pw@assistant.example/cb", "password"),
        ("https://*.example/cb", "wildcards"),
        ("https://assistant.example/c b", "spaces"),
        ("/relative/callback", "host"),
        ("", "URL"),
        (42, "URL"),
    ],
)
def test_refuses_bad_redirect_uris(client, uri, why):
    reply = _register(client, {"client_name": "X", "redirect_uris": [uri]})
    assert reply.status_code == 400
    body = reply.json()
    assert body["error"] == "invalid_redirect_uri" and why in body["error_description"]
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"client_name": "X"}, "invalid_redirect_uri"),
        ({"redirect_uris": "https://a.example/cb"}, "invalid_redirect_uri"),
        ({"redirect_uris": [f"https://a.example/{i}" for i in range(11)]}, "invalid_redirect_uri"),
        ({"redirect_uris": ["https://a.example/cb"], "grant_types": ["client_credentials"]}, "invalid_client_metadata"),
        ({"redirect_uris": ["https://a.example/cb"], "response_types": ["token"]}, "invalid_client_metadata"),
        ({"redirect_uris": ["https://a.example/cb"], "scope": "walks:read admin"}, "invalid_client_metadata"),
        ({"redirect_uris": ["https://a.example/cb"], "client_name": 5}, "invalid_client_metadata"),
        ([1, 2], "invalid_client_metadata"),
    ],
)
def test_refuses_bad_metadata(client, body, error):
    reply = _register(client, body)
    assert reply.status_code == 400 and reply.json()["error"] == error


def test_refuses_what_is_not_json(client):
    reply = client.post("/oauth/register/", b"\xff{", content_type="application/json")
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_client_metadata"
    assert client.get("/oauth/register/").status_code == 405


def test_a_missing_name_falls_back_to_the_host(client):
    body = _register(client, {"redirect_uris": ["https://claude.ai/api/mcp/auth_callback"]}).json()
    assert body["client_name"] == "claude.ai"


def test_registration_is_rate_limited_per_address(client):
    for _ in range(ratelimit.limit("oauth-register-ip").limit):
        assert _register(client, {"redirect_uris": ["https://a.example/cb"]}).status_code == 201
    reply = _register(client, {"redirect_uris": ["https://a.example/cb"]})
    assert reply.status_code == 429 and "Retry-After" in reply
    assert Application.objects.count() == ratelimit.limit("oauth-register-ip").limit


def test_authorization_server_metadata(client):
    data = client.get("/.well-known/oauth-authorization-server").json()
    site = settings.SITE_URL
    assert data["issuer"] == site
    assert data["authorization_endpoint"] == f"{site}/oauth/authorize/"
    assert data["token_endpoint"] == f"{site}/oauth/token/"
    assert data["registration_endpoint"] == f"{site}/oauth/register/"
    assert data["revocation_endpoint"] == f"{site}/oauth/revoke/"
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert data["response_types_supported"] == ["code"]
    assert data["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert data["token_endpoint_auth_methods_supported"] == ["none"]
    assert data["scopes_supported"] == ["walks:read", "walks:write"]
    assert "introspection_endpoint" not in data


def test_endpoints_come_from_site_url_not_the_host_header(client, settings):
    data = client.get("/.well-known/oauth-authorization-server", HTTP_HOST="localhost").json()
    assert data["token_endpoint"].startswith(settings.SITE_URL)


@pytest.mark.parametrize("path", ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"])
def test_protected_resource_metadata(client, path):
    data = client.get(path).json()
    assert data["resource"] == settings.MCP_RESOURCE
    assert data["authorization_servers"] == [settings.SITE_URL]
    assert data["scopes_supported"] == ["walks:read", "walks:write"]
    assert data["bearer_methods_supported"] == ["header"]
