"""/admin/login/ goes through the same limited authentication as the site's
sign-in and the API (issue 12, finding 2)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User

PASSWORD = "root-password-123"
IP = "203.0.113.40"


@pytest.fixture
def admin_user(db):
    return User.objects.create_superuser("root@example.com", PASSWORD)


def _admin_login(client: Client, email: str, password: str, ip: str = IP):
    return client.post(
        "/admin/login/?next=/admin/", {"username": email, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


def test_forty_wrong_passwords_from_one_ip_are_refused_and_the_right_one_then_fails(admin_user):
    """The probe's reproduction: 40 failures, then the right password."""
    client = Client()
    statuses = [_admin_login(client, admin_user.email, f"guess-{i}").status_code for i in range(40)]
    # Five wrong tries per account in five minutes: the sixth is refused.
    assert statuses[:5] == [200] * 5  # the form again, with its error
    assert set(statuses[5:]) == {429}
    response = _admin_login(client, admin_user.email, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_admin_failures_from_many_ips_count_toward_the_account_on_the_api(admin_user, api_client):
    for i in range(5):
        assert _admin_login(Client(), admin_user.email, "wrong", ip=f"198.51.100.{i}").status_code == 200
    response = api_client.post(
        "/api/v1/auth/token", {"email": admin_user.email, "password": PASSWORD}, format="json", REMOTE_ADDR="192.0.2.8"
    )
    assert response.status_code == 429


def test_admin_failures_count_per_ip_across_accounts(admin_user):
    for i in range(10):
        _admin_login(Client(), f"nobody{i}@example.com", "wrong")
    assert _admin_login(Client(), admin_user.email, PASSWORD).status_code == 429
    # Another address signs in.
    client = Client()
    assert _admin_login(client, admin_user.email, PASSWORD, ip="192.0.2.9").status_code == 302
    onward = client.get("/admin/")  # the password is right: on to the second factor
    assert onward.status_code == 302 and "two-factor" in onward["Location"]


def test_site_failures_count_toward_the_admin_login(admin_user, client):
    for i in range(5):
        client.post("/signin/", {"email": admin_user.email, "password": "wrong"}, REMOTE_ADDR=f"198.51.100.{i}")
    assert _admin_login(Client(), admin_user.email, PASSWORD, ip="192.0.2.10").status_code == 429
