"""JWT authentication remembers the tokens whose signature it checked
(accounts.authentication._VerifiedOnce): only the same bytes skip the
check, and expiry is checked on every request."""

from __future__ import annotations

import time

from accounts import authentication
from tests.conftest import jwt_client_for

ME = "/api/v1/user/@me"


def test_a_remembered_token_is_accepted_and_a_changed_one_is_not(user, api_client):
    client = jwt_client_for(user)
    assert client.get(ME).status_code == 200
    assert client.get(ME).status_code == 200  # from the memo
    access = client._credentials["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    head, payload, signature = access.split(".")
    forged = f"{head}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    response = api_client.get(ME)
    assert response.status_code == 401 and response.json()["code"] == "token_invalid"


def test_a_remembered_token_that_expired_is_refused_as_expired(user, monkeypatch):
    client = jwt_client_for(user)
    assert client.get(ME).status_code == 200
    later = time.time() + 3600
    monkeypatch.setattr(authentication.time, "time", lambda: later)
    monkeypatch.setattr("jwt.api_jwt.datetime", _Later(later))
    monkeypatch.setattr("rest_framework_simplejwt.tokens.aware_utcnow", lambda: _utc(later))
    response = client.get(ME)
    assert response.status_code == 401 and response.json()["code"] == "token_expired"


def test_the_memo_is_bounded(user, monkeypatch):
    monkeypatch.setattr(authentication, "VERIFIED_TOKENS", 2)
    monkeypatch.setattr(authentication, "_verified", authentication.OrderedDict())
    for _ in range(4):
        assert jwt_client_for(user).get(ME).status_code == 200
    assert len(authentication._verified) == 2


def _utc(ts):
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, tz=UTC)


class _Later:
    """``datetime`` for PyJWT, an hour on."""

    def __init__(self, ts):
        from datetime import datetime

        self._datetime = datetime
        self._ts = ts

    def __getattr__(self, name):
        return getattr(self._datetime, name)

    def now(self, tz=None):
        return _utc(self._ts)
