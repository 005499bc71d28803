"""The authorization server as an MCP client meets it: consent, PKCE S256, the
resource indicator, token exchange, refresh rotation, and every refusal."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REDIRECT = "https://assistant.example/callback"


def _pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _params(app, challenge, **extra):
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "scope": "walks:read walks:write",
        "state": "xyz",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "resource": settings.MCP_RESOURCE,
    }
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def _query(response) -> dict:
    assert response.status_code == 302, response.content[:300]
    location = response["Location"]
    assert location.startswith(REDIRECT)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _consent(client, app, *, allow=True, **extra):
    verifier, challenge = _pkce()
    params = _params(app, challenge, **extra)
    page = client.get("/oauth/authorize/?" + urlencode(params))
    assert page.status_code == 200, page.content[:300]
    form = {f.name: f.value() or "" for f in page.context["form"] if f.is_hidden}
    if allow:
        form["allow"] = "on"
    return client.post("/oauth/authorize/?" + urlencode(params), form), verifier


def _token(client, app, code, verifier, **extra):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": app.client_id,
        "code_verifier": verifier,
    }
    data.update(extra)
    return client.post("/oauth/token/", data)


@pytest.fixture
def signed_in(client):
    user = UserFactory(email="walker@example.com")
    client.force_login(user)
    client.user = user
    return client


def test_signed_out_goes_to_sign_in_and_back(client, oauth_app):
    _verifier, challenge = _pkce()
    url = "/oauth/authorize/?" + urlencode(_params(oauth_app, challenge))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/signin/?next=")
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == [url]


def test_consent_page_names_the_client_and_the_scopes(signed_in, oauth_app):
    _verifier, challenge = _pkce()
    page = signed_in.get("/oauth/authorize/?" + urlencode(_params(oauth_app, challenge)))
    text = page.content.decode()
    assert "Allow Test Assistant to use your Walks account?" in text
    assert "See the catalogue and your walks and reviews" in text
    assert "Record, change and remove your walks and reviews" in text
    assert "assistant.example" in text
    assert "no-cache" in page["Cache-Control"] or "no-store" in page["Cache-Control"]


def test_consent_page_lets_its_form_lead_back_to_the_client_only(signed_in, oauth_app):
    """The CSP's form-action governs the redirect that answers the consent form."""
    _verifier, challenge = _pkce()
    page = signed_in.get("/oauth/authorize/?" + urlencode(_params(oauth_app, challenge)))
    directives = {p.split()[0]: p.split()[1:] for p in page["Content-Security-Policy"].split(";") if p.strip()}
    assert directives["form-action"] == ["'self'", "https://assistant.example"]
    assert directives["script-src"] == ["'self'"]
    # other pages keep form-action to the site itself
    other = {p.split()[0]: p.split()[1:] for p in signed_in.get("/")["Content-Security-Policy"].split(";") if p.strip()}
    assert other["form-action"] == ["'self'"]


def test_consent_page_in_russian(client, oauth_app):
    user = UserFactory(locale="ru")
    client.force_login(user)
    _verifier, challenge = _pkce()
    page = client.get("/oauth/authorize/?" + urlencode(_params(oauth_app, challenge, scope="walks:read")))
    text = page.content.decode()
    assert "Разрешить" in text and "Test Assistant" in text
    assert "Видеть каталог" in text


def test_allow_then_code_for_tokens(signed_in, oauth_app):
    response, verifier = _consent(signed_in, oauth_app)
    query = _query(response)
    assert query["state"] == "xyz" and query["iss"] == settings.SITE_URL
    grant = Grant.objects.get()
    assert grant.resource == [settings.MCP_RESOURCE] and grant.code_challenge_method == "S256"

    reply = _token(signed_in, oauth_app, query["code"], verifier, resource=settings.MCP_RESOURCE)
    assert reply.status_code == 200, reply.content
    body = reply.json()
    assert body["resource"] == settings.MCP_RESOURCE
    assert set(body["scope"].split()) == {"walks:read", "walks:write"}
    token = AccessToken.objects.get()
    assert token.user == signed_in.user and token.resource == [settings.MCP_RESOURCE]
    # Hashed at rest: neither token is in the database.
    assert token.token == "" and token.token_checksum == hashlib.sha256(body["access_token"].encode()).hexdigest()
    assert RefreshToken.objects.get().token == ""
    assert body["expires_in"] == settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"]


def test_no_resource_binds_the_token_to_this_server(signed_in, oauth_app):
    response, verifier = _consent(signed_in, oauth_app, resource=None)
    reply = _token(signed_in, oauth_app, _query(response)["code"], verifier)
    assert reply.status_code == 200
    assert AccessToken.objects.get().resource == [settings.MCP_RESOURCE]


def test_deny_sends_access_denied(signed_in, oauth_app):
    response, _verifier = _consent(signed_in, oauth_app, allow=False)
    assert _query(response)["error"] == "access_denied"
    assert not Grant.objects.exists() and not AccessToken.objects.exists()


def test_plain_pkce_is_refused(signed_in, oauth_app):
    params = _params(oauth_app, "a" * 43, code_challenge_method="plain")
    query = _query(signed_in.get("/oauth/authorize/?" + urlencode(params)))
    assert query["error"] == "invalid_request" and "S256" in query["error_description"]


def test_missing_pkce_is_refused(signed_in, oauth_app):
    params = _params(oauth_app, None, code_challenge_method=None)
    assert _query(signed_in.get("/oauth/authorize/?" + urlencode(params)))["error"] == "invalid_request"


def test_tampered_form_cannot_switch_to_plain(signed_in, oauth_app):
    _verifier, challenge = _pkce()
    params = _params(oauth_app, challenge)
    page = signed_in.get("/oauth/authorize/?" + urlencode(params))
    form = {f.name: f.value() or "" for f in page.context["form"] if f.is_hidden}
    form.update(allow="on", code_challenge_method="plain", code_challenge="a" * 43)
    response = signed_in.post("/oauth/authorize/?" + urlencode(params), form)
    assert response.status_code == 200 and "changed on its way" in response.content.decode()
    assert not Grant.objects.exists()


def test_pkce_mismatch_is_refused(signed_in, oauth_app):
    response, _verifier = _consent(signed_in, oauth_app)
    reply = _token(signed_in, oauth_app, _query(response)["code"], secrets.token_urlsafe(48))
    assert reply.status_code == 400 and json.loads(reply.content)["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_unregistered_redirect_uri_is_never_followed(signed_in, oauth_app):
    _verifier, challenge = _pkce()
    params = _params(oauth_app, challenge, redirect_uri="https://evil.example/callback")
    response = signed_in.get("/oauth/authorize/?" + urlencode(params))
    assert response.status_code == 400 and "Location" not in response
    assert "cannot go on" in response.content.decode()


def test_another_resource_is_invalid_target(signed_in, oauth_app):
    _verifier, challenge = _pkce()
    params = _params(oauth_app, challenge, resource="https://other.example/mcp")
    assert _query(signed_in.get("/oauth/authorize/?" + urlencode(params)))["error"] == "invalid_target"


def test_token_request_cannot_widen_the_resource(signed_in, oauth_app):
    response, verifier = _consent(signed_in, oauth_app)
    reply = _token(signed_in, oauth_app, _query(response)["code"], verifier, resource="https://other.example/mcp")
    # django-oauth-toolkit labels this JSON reply text/html.
    assert reply.status_code == 400 and json.loads(reply.content)["error"] == "invalid_target"


def test_read_only_consent(signed_in, oauth_app):
    response, verifier = _consent(signed_in, oauth_app, scope="walks:read")
    reply = _token(signed_in, oauth_app, _query(response)["code"], verifier)
    assert reply.json()["scope"] == "walks:read"


def test_unknown_scope_is_refused(signed_in, oauth_app):
    _verifier, challenge = _pkce()
    params = _params(oauth_app, challenge, scope="walks:read admin")
    assert _query(signed_in.get("/oauth/authorize/?" + urlencode(params)))["error"] == "invalid_scope"


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_family(signed_in, oauth_app):
    response, verifier = _consent(signed_in, oauth_app)
    first = _token(signed_in, oauth_app, _query(response)["code"], verifier).json()
    refresh = {"grant_type": "refresh_token", "client_id": oauth_app.client_id}
    second = signed_in.post("/oauth/token/", {**refresh, "refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"] and second["resource"] == settings.MCP_RESOURCE
    # The spent one again: refused, and the whole family with it (a stolen token was used).
    reuse = signed_in.post("/oauth/token/", {**refresh, "refresh_token": first["refresh_token"]})
    assert reuse.status_code == 400
    third = signed_in.post("/oauth/token/", {**refresh, "refresh_token": second["refresh_token"]})
    assert third.status_code == 400


def test_implicit_and_password_grants_are_off(signed_in, oauth_app):
    _verifier, challenge = _pkce()
    params = _params(oauth_app, challenge, response_type="token")
    response = signed_in.get("/oauth/authorize/?" + urlencode(params))
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert "error=" in response["Location"]
    reply = signed_in.post(
        "/oauth/token/",
        {"grant_type": "password", "username": "walker@example.com", "password": "x", "client_id": oauth_app.client_id},
    )
    assert reply.status_code in (400, 401) and "access_token" not in json.loads(reply.content)
