"""The API's two-step sign-in: ``POST /auth/token`` answers ``mfa_required``
with a ticket, ``POST /auth/token/mfa`` trades it and a code for the pair."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from accounts import mfa
from accounts.services import password_set

from .factories import DEFAULT_PASSWORD, NEW_PASSWORD, UserFactory
from .mfa_helpers import code_for, enrol

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
MFA = "/api/v1/auth/token/mfa"


def _ticket(api_client, user) -> dict:
    response = api_client.post(TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 401, response.content
    return response.json()


def _me(api_client, access: str):
    return api_client.get("/api/v1/user/@me", HTTP_AUTHORIZATION=f"Bearer {access}")


def test_the_password_alone_gets_a_ticket_not_tokens(api_client):
    user = UserFactory()
    enrol(user)
    body = _ticket(api_client, user)
    assert set(body) == {"detail", "code", "ticket", "ticket_expires_at"}
    assert body["code"] == "mfa_required" and len(body["ticket"]) >= 40
    assert abs(body["ticket_expires_at"] - (time.time() + 300)) < 5
    # Kept as its hash: the ticket itself is no cache key.
    assert cache.get(f"accounts:mfa-ticket:{body['ticket']}") is None
    assert cache.get(mfa._ticket_key(body["ticket"]))["uid"] == user.pk


def test_wrong_code_then_right_code_then_the_ticket_is_used_up(api_client):
    user = UserFactory()
    device, _ = enrol(user)
    ticket = _ticket(api_client, user)["ticket"]
    right = code_for(device)

    wrong = api_client.post(MFA, {"ticket": ticket, "code": f"{(int(right) + 3) % 10**6:06d}"}, format="json")
    assert wrong.status_code == 401 and wrong.json()["code"] == "mfa_code_invalid"

    ok = api_client.post(MFA, {"ticket": ticket, "code": right}, format="json")
    assert ok.status_code == 200, ok.content
    pair = ok.json()
    assert set(pair) == {"access", "refresh", "access_expires_at"}
    assert _me(api_client, pair["access"]).json()["id"] == user.pk

    reused = api_client.post(MFA, {"ticket": ticket, "code": right}, format="json")
    assert reused.status_code == 401 and reused.json()["code"] == "mfa_ticket_invalid"


def test_a_reused_ticket_is_refused_even_with_a_fresh_recovery_code(api_client):
    user = UserFactory()
    device, codes = enrol(user)
    ticket = _ticket(api_client, user)["ticket"]
    assert api_client.post(MFA, {"ticket": ticket, "code": codes[0]}, format="json").status_code == 200
    again = api_client.post(MFA, {"ticket": ticket, "code": codes[1]}, format="json")
    assert again.status_code == 401 and again.json()["code"] == "mfa_ticket_invalid"
    assert mfa.recovery_codes_left(user) == 9  # the refused call used nothing up


def test_an_expired_ticket_is_refused(api_client, monkeypatch):
    user = UserFactory()
    device, _ = enrol(user)
    ticket = _ticket(api_client, user)["ticket"]
    now = mfa._now()
    monkeypatch.setattr(mfa, "_now", lambda: now + mfa.TICKET_SECONDS + 1)
    response = api_client.post(MFA, {"ticket": ticket, "code": code_for(device)}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "mfa_ticket_invalid"


def test_an_unknown_ticket_and_bad_input(api_client):
    response = api_client.post(MFA, {"ticket": "nope", "code": "123456"}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "mfa_ticket_invalid"
    bad = api_client.post(MFA, {"ticket": 12, "code": ["x"]}, format="json")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"ticket", "code"}


def test_a_password_change_kills_the_ticket(api_client):
    user = UserFactory()
    device, _ = enrol(user)
    ticket = _ticket(api_client, user)["ticket"]
    password_set(user=user, password=NEW_PASSWORD)
    response = api_client.post(MFA, {"ticket": ticket, "code": code_for(device)}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "mfa_ticket_invalid"


def test_wrong_codes_are_limited(api_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "mfa-user": (3, 900)}
    user = UserFactory()
    device, _ = enrol(user)
    ticket = _ticket(api_client, user)["ticket"]
    for _ in range(3):
        assert api_client.post(MFA, {"ticket": ticket, "code": "999999x"}, format="json").status_code == 401
    limited = api_client.post(MFA, {"ticket": ticket, "code": code_for(device)}, format="json")
    assert limited.status_code == 429 and "Retry-After" in limited


def test_without_a_second_factor_the_pair_comes_at_once(api_client):
    user = UserFactory()
    response = api_client.post(TOKEN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 200 and "access" in response.json()


def test_the_schema_documents_both_steps(api_client):
    schema = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    token = schema["paths"]["/api/v1/auth/token"]["post"]
    shapes = token["responses"]["401"]["content"]["application/json"]["schema"]["anyOf"]
    assert [shape["$ref"].rsplit("/", 1)[1] for shape in shapes] == ["MfaRequiredOut", "Error"]
    assert "200" in schema["paths"]["/api/v1/auth/token/mfa"]["post"]["responses"]
