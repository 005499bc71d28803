"""What a switch handed out ends with the link, from either side: the
switched-in browser session, and the refresh-token family (its access tokens
too). Before, the refresh token kept a removed account usable forever."""

from __future__ import annotations

import pytest
from django.test import Client

from linking import services
from tests.conftest import jwt_client_for

from .helpers import link

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.mark.parametrize("who_leaves", ["switcher", "target"])
def test_unlinking_ends_the_tokens_a_switch_issued(a, b, who_leaves, django_capture_on_commit_callbacks):
    link(a, b)
    switched = jwt_client_for(b).post(f"{API}/user/linked-accounts/{a.pk}/switch")
    assert switched.status_code == 200
    pair = switched.json()
    as_a = Client(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert as_a.get(f"{API}/user/@me").json()["email"] == a.email
    own = jwt_client_for(a)  # a's own sign-in is not the switch's

    with django_capture_on_commit_callbacks(execute=True):
        services.group_leave(user=b if who_leaves == "switcher" else a)

    refreshed = Client().post(
        f"{API}/auth/token/update", {"refresh_token": pair["refresh"]}, content_type="application/json"
    )
    assert refreshed.status_code == 401
    assert as_a.get(f"{API}/user/@me").status_code == 401  # the access token too, at once
    assert own.get(f"{API}/user/@me").status_code == 200


def test_unlinking_ends_the_switched_in_browser_session(a, b, django_capture_on_commit_callbacks):
    link(a, b)
    browser = Client()
    browser.force_login(b)
    response = browser.post("/link/switch/", {"user": a.pk})
    assert response.status_code == 302
    assert browser.get("/").wsgi_request.user == a
    elsewhere = Client()
    elsewhere.force_login(a)  # a session of a's own

    with django_capture_on_commit_callbacks(execute=True):
        services.group_leave(user=a)

    assert not browser.get("/").wsgi_request.user.is_authenticated
    assert elsewhere.get("/").wsgi_request.user == a
