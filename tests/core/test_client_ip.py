"""core.ratelimit.client_ip and DJANGO_TRUSTED_PROXIES (issue 12, finding 3)."""

from __future__ import annotations

import pytest
from django.core import checks
from django.test import RequestFactory

from core.ratelimit import client_ip
from tests.factories import DEFAULT_PASSWORD, UserFactory

PROXY = "10.0.0.2"


def _request(remote_addr: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


def test_a_trusted_peer_gives_the_right_most_untrusted_address(settings):
    settings.TRUSTED_PROXIES = [PROXY, "172.16.0.0/12"]
    # The client spoofs a first entry; nginx appends the real peer, then a second proxy hop.
    request = _request(PROXY, "1.2.3.4, 203.0.113.5, 172.16.4.4")
    assert client_ip(request) == "203.0.113.5"


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_ip(_request("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


@pytest.mark.parametrize("header", [None, "", "garbage, ::not-an-ip", f"{PROXY}"])
def test_a_trusted_peer_without_a_usable_header_is_the_client(settings, header):
    settings.TRUSTED_PROXIES = [PROXY]
    assert client_ip(_request(PROXY, header)) == PROXY


def test_ipv6_and_cidr(settings):
    settings.TRUSTED_PROXIES = ["fd00::/8"]
    assert client_ip(_request("fd00::1", "2001:db8::5")) == "2001:db8::5"


def test_a_bad_entry_is_refused_by_a_system_check(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/33"]
    ids = [m.id for m in checks.run_checks()]
    assert "core.E020" in ids


def test_deploy_check_warns_behind_tls_proxy_without_trusted_proxies(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = []
    assert "core.W020" in [m.id for m in checks.run_checks(include_deployment_checks=True)]
    settings.TRUSTED_PROXIES = [PROXY]
    assert "core.W020" not in [m.id for m in checks.run_checks(include_deployment_checks=True)]


JSON = "application/json"


@pytest.mark.django_db
def test_two_clients_behind_a_trusted_proxy_are_limited_separately(settings, client):
    """The probe's reproduction: one client's failed sign-ins no longer lock out the next."""
    settings.TRUSTED_PROXIES = [PROXY]
    # Windows of an hour: a fixed window that rolls over mid-test would reset the count.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signin-ip": (10, 3600), "signin-account": (1000, 3600)}
    victim = UserFactory()
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    statuses = [
        client.post(
            "/api/v1/auth/token", {"email": victim.email, "password": "wrong"}, content_type=JSON, **attacker
        ).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    other = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    response = client.post(
        "/api/v1/auth/token", {"email": victim.email, "password": DEFAULT_PASSWORD}, content_type=JSON, **other
    )
    assert response.status_code == 200
    # The attacker cannot reset their count by forging the header's first entry.
    forged = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.66"}
    assert (
        client.post(
            "/api/v1/auth/token", {"email": victim.email, "password": "x"}, content_type=JSON, **forged
        ).status_code
        == 429
    )
