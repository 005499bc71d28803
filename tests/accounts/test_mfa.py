"""The second factor on pages and in the admin: enrol in Settings, the code step
of signing in, recovery codes, turning it off, and /admin/ for verified staff only."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa
from accounts.services import password_set
from tests.conftest import admin_login

from .factories import DEFAULT_PASSWORD, NEW_PASSWORD, UserFactory
from .mfa_helpers import code_for, enrol, forget_used, key_from_secret, totp_code

pytestmark = pytest.mark.django_db


def _signed_in(client) -> bool:
    return client.get("/settings/").status_code == 200


def _password_step(client, user, next_url=None):
    data = {"email": user.email, "password": DEFAULT_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/signin/", data)


# --- Enrolment in Settings ----------------------------------------------------------------------------


def test_settings_offers_it_and_enrolment_shows_the_qr_and_secret_until_confirmed(client):
    user = UserFactory()
    client.force_login(user)
    settings_page = client.get("/settings/").content.decode()
    assert "/settings/two-factor/" in settings_page and "Set up two-factor authentication" in settings_page
    assert client.get("/settings/two-factor/enrol/").status_code == 302  # nothing started: back to the overview

    assert client.post("/settings/two-factor/enrol/", {"start": "1"})["Location"] == "/settings/two-factor/enrol/"
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    page = client.get("/settings/two-factor/enrol/")
    html = page.content.decode()
    secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', html).group(1)
    assert key_from_secret(secret) == device.bin_key
    assert 'src="/settings/two-factor/qr.svg"' in html and "style=" not in html

    qr = client.get("/settings/two-factor/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    svg = qr.content.decode()
    assert svg.startswith("<svg") and "<script" not in svg and "style" not in svg
    assert "no-store" in qr["Cache-Control"]

    wrong = client.post("/settings/two-factor/enrol/", {"code": f"{(int(totp_code(device.bin_key)) + 1) % 10**6:06d}"})
    assert wrong.status_code == 400 and "This code is wrong" in wrong.content.decode()
    assert not mfa.mfa_enabled(user)

    done = client.post("/settings/two-factor/enrol/", {"code": totp_code(device.bin_key)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert mfa.mfa_enabled(user)
    # Hashed at rest: no code (nor its normal form) is in the table.
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(stored) == 10 and not stored & {c for code in codes for c in (code, code.replace("-", ""))}
    # The secret and the QR are gone once confirmed; the enrolling session counts as verified.
    assert client.get("/settings/two-factor/enrol/").status_code == 302
    assert client.get("/settings/two-factor/qr.svg").status_code == 404
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    overview = client.get("/settings/two-factor/").content.decode()
    assert "10 recovery codes left." in overview and codes[0] not in overview


def test_starting_again_replaces_an_unconfirmed_secret_but_not_a_confirmed_one(client):
    user = UserFactory()
    client.force_login(user)
    client.post("/settings/two-factor/enrol/", {"start": "1"})
    first = TOTPDevice.objects.get(user=user).key
    client.post("/settings/two-factor/enrol/", {"start": "1"})
    assert list(TOTPDevice.objects.filter(user=user).values_list("key", flat=True)) != [first]
    assert TOTPDevice.objects.filter(user=user).count() == 1

    other = UserFactory()
    device, _ = enrol(other)
    admin_login(client, other)
    response = client.post("/settings/two-factor/enrol/", {"start": "1"})
    assert response.status_code == 409
    assert list(TOTPDevice.objects.filter(user=other)) == [device]


# --- Signing in ---------------------------------------------------------------------------------------


def test_sign_in_asks_for_the_code_after_the_password_and_signs_in_only_then(client):
    user = UserFactory()
    device, _ = enrol(user)
    response = _password_step(client, user, next_url="/settings/")
    assert response.status_code == 302 and response["Location"] == "/signin/code/"
    assert not _signed_in(client)  # pending, not logged in

    page = client.get("/signin/code/")
    assert page.status_code == 200 and "Enter your code" in page.content.decode()
    wrong = client.post("/signin/code/", {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and "wrong or has already been used" in wrong.content.decode()
    assert not _signed_in(client)

    right = client.post("/signin/code/", {"code": code_for(device)})
    assert right.status_code == 302 and right["Location"] == "/settings/"
    assert _signed_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert mfa.PENDING_KEY not in client.session


def test_without_a_device_sign_in_is_one_step(client):
    user = UserFactory()
    assert _password_step(client, user)["Location"] == "/"
    assert _signed_in(client)


def test_a_code_works_once(client):
    user = UserFactory()
    device, _ = enrol(user)
    code = code_for(device)
    _password_step(client, user)
    assert client.post("/signin/code/", {"code": code}).status_code == 302

    again = Client()
    _password_step(again, user)
    assert again.post("/signin/code/", {"code": code}).status_code == 400
    assert not _signed_in(again)


def test_a_recovery_code_signs_in_once_and_is_used_up(client):
    user = UserFactory()
    _, codes = enrol(user)
    _password_step(client, user)
    assert client.post("/signin/code/", {"code": codes[3].upper().replace("-", " ")}).status_code == 302
    assert _signed_in(client) and mfa.recovery_codes_left(user) == 9

    again = Client()
    _password_step(again, user)
    assert again.post("/signin/code/", {"code": codes[3]}).status_code == 400
    assert not _signed_in(again)


def test_the_stored_digest_is_not_a_recovery_code(client):
    user = UserFactory()
    enrol(user)
    digest = StaticToken.objects.filter(device__user=user).first().token
    _password_step(client, user)
    assert client.post("/signin/code/", {"code": digest}).status_code == 400
    assert not _signed_in(client)


def test_the_pending_sign_in_expires_after_five_minutes(client, monkeypatch):
    user = UserFactory()
    device, _ = enrol(user)
    _password_step(client, user)
    now = mfa._now()
    monkeypatch.setattr(mfa, "_now", lambda: now + mfa.PENDING_SECONDS + 1)
    response = client.post("/signin/code/", {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/signin/"
    assert not _signed_in(client)


def test_the_pending_sign_in_dies_with_a_password_change(client):
    user = UserFactory()
    device, _ = enrol(user)
    _password_step(client, user)
    password_set(user=user, password=NEW_PASSWORD)
    assert client.post("/signin/code/", {"code": code_for(device)})["Location"] == "/signin/"
    assert not _signed_in(client)


def test_wrong_codes_are_limited_per_user(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "mfa-user": (3, 900)}
    user = UserFactory()
    device, _ = enrol(user)
    _password_step(client, user)
    right = code_for(device)
    wrong = f"{(int(right) + 7) % 10**6:06d}"
    for _ in range(3):
        assert client.post("/signin/code/", {"code": wrong}).status_code == 400
    limited = client.post("/signin/code/", {"code": right})
    assert limited.status_code == 400 and "Too many" in limited.content.decode()
    assert not _signed_in(client)
    # From another address too: the limit is the account's.
    other = Client(REMOTE_ADDR="203.0.113.9")
    _password_step(other, user)
    assert other.post("/signin/code/", {"code": right}).status_code == 400


def test_wrong_codes_are_limited_per_ip(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "mfa-ip": (2, 900)}
    for _ in range(2):
        someone = UserFactory()
        enrol(someone)
        _password_step(client, someone)
        assert client.post("/signin/code/", {"code": "12345a"}).status_code == 400
    user = UserFactory()
    device, _ = enrol(user)
    _password_step(client, user)
    assert client.post("/signin/code/", {"code": code_for(device)}).status_code == 400
    assert not _signed_in(client)


# --- Recovery codes and turning it off -------------------------------------------------------------------


def test_new_recovery_codes_need_the_password_or_a_code_and_replace_the_old(client):
    user = UserFactory()
    device, old = enrol(user)
    admin_login(client, user)
    refused = client.post("/settings/two-factor/recovery-codes/", {"regenerate-secret": "not-it"})
    assert refused.status_code == 400 and "Enter your password or a current code." in refused.content.decode()

    response = client.post("/settings/two-factor/recovery-codes/", {"regenerate-secret": DEFAULT_PASSWORD})
    new = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    with pytest.raises(mfa.NotAuthenticated):
        mfa.mfa_verify(user=user, code=old[0], ip="198.51.100.2")
    assert isinstance(mfa.mfa_verify(user=user, code=new[0], ip="198.51.100.2"), mfa.StaticDevice)


@pytest.mark.parametrize("how", ["password", "code", "recovery"])
def test_turning_it_off_needs_the_password_or_a_current_code(client, how):
    user = UserFactory()
    device, codes = enrol(user)
    admin_login(client, user)
    forget_used(device)
    refused = client.post("/settings/two-factor/disable/", {"disable-secret": "123456"})
    assert refused.status_code == 400 and mfa.mfa_enabled(user)

    secret = {"password": DEFAULT_PASSWORD, "code": code_for(device), "recovery": codes[0]}[how]
    response = client.post("/settings/two-factor/disable/", {"disable-secret": secret})
    assert response.status_code == 302 and response["Location"] == "/settings/two-factor/"
    assert not mfa.mfa_enabled(user)
    assert not TOTPDevice.objects.filter(user=user).exists() and not StaticToken.objects.exists()
    assert _password_step(Client(), user)["Location"] == "/"


# --- The admin --------------------------------------------------------------------------------------------


def test_staff_without_a_device_are_sent_to_enrol_first(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == "/settings/two-factor/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    assert client.get("/admin/").status_code == 302

    client.get(response["Location"])
    client.post("/settings/two-factor/enrol/", {"start": "1"})
    device = TOTPDevice.objects.get(user=staff)
    done = client.post("/settings/two-factor/enrol/", {"code": totp_code(device.bin_key)})
    assert 'href="/admin/accounts/user/"' in done.content.decode()  # "I saved them, continue"
    assert client.get("/admin/accounts/user/").status_code == 200


def test_staff_signed_in_with_the_password_alone_must_enter_a_code_for_the_admin(client):
    staff = UserFactory(is_staff=True)
    device, _ = enrol(staff)
    client.force_login(staff)  # the session as before the second factor was on
    session = client.session
    session.pop(mfa.STEP_UP_KEY)
    session.save()
    assert _signed_in(client)  # the rest of the site is not the admin's business
    response = client.get("/admin/")
    assert response["Location"] == "/signin/code/?next=%2Fadmin%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'name="next" value="/admin/"' in page.content.decode()
    assert client.post("/signin/code/", {"code": "000001", "next": "/admin/"}).status_code == 400
    assert client.get("/admin/").status_code == 302
    assert client.post("/signin/code/", {"code": code_for(device), "next": "/admin/"})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("door", ["admin-login", "force-login"])
def test_a_login_by_another_door_waits_for_the_code_everywhere(client, door):
    """The admin's login form (or activation, or an account switch) checks the
    password only: that session gets the code page first, and 401 on the API."""
    user = UserFactory(is_staff=True)
    device, _ = enrol(user)
    if door == "admin-login":
        response = client.post("/admin/login/?next=/admin/", {"username": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302
    else:
        client.force_login(user)
    assert client.get("/settings/")["Location"] == "/signin/code/?next=%2Fsettings%2F"
    api = client.get("/api/v1/user/@me")
    assert api.status_code == 401 and api.json()["code"] == "mfa_required"
    assert client.get("/signin/code/").status_code == 200
    assert client.post("/signin/code/", {"code": code_for(device), "next": "/settings/"})["Location"] == "/settings/"
    assert _signed_in(client) and client.get("/admin/").status_code == 200
    assert client.get("/api/v1/user/@me").status_code == 200


def test_a_login_of_someone_without_a_second_factor_is_not_held(client):
    client.force_login(UserFactory())
    assert _signed_in(client) and client.get("/api/v1/user/@me").status_code == 200


def test_turning_it_off_elsewhere_releases_a_waiting_session(client):
    user = UserFactory()
    device, _ = enrol(user)
    client.force_login(user)
    assert not _signed_in(client)
    mfa.mfa_disable(user=user, secret=DEFAULT_PASSWORD, ip="198.51.100.3")
    assert _signed_in(client)


def test_staff_signing_in_on_the_site_with_the_code_reach_the_admin(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    device, _ = enrol(staff)
    _password_step(client, staff, next_url="/admin/")
    assert client.post("/signin/code/", {"code": code_for(device)})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_turning_it_off_ends_the_admin_for_verified_sessions_too(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin_login(client, staff)
    assert client.get("/admin/").status_code == 200
    TOTPDevice.objects.filter(user=staff).delete()
    mfa.bump(mfa.user_scope(staff.pk))  # what the services do on commit
    assert client.get("/admin/").status_code == 302


def test_a_verified_session_of_someone_else_device_does_not_count(client):
    staff = UserFactory(is_staff=True)
    other = UserFactory()
    other_device, _ = enrol(other)
    enrol(staff)
    client.force_login(staff)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = other_device.persistent_id
    session.save()
    assert client.get("/admin/").status_code == 302


def test_people_who_are_not_staff_are_not_asked(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_the_admin_check_reads_the_cache_not_the_database(client, django_assert_max_num_queries):
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin_login(client, staff)
    client.get("/admin/")
    forget_used(TOTPDevice.objects.get(user=staff))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/").status_code == 200
    assert not [q for q in queries.captured_queries if "otp_" in q["sql"]]


# --- Russian --------------------------------------------------------------------------------------------


def test_the_pages_speak_russian(client):
    user = UserFactory(locale="ru")
    client.force_login(user)
    assert "Двухфакторная аутентификация" in client.get("/settings/two-factor/").content.decode()
    client.post("/settings/two-factor/enrol/", {"start": "1"})
    assert "Настройте приложение-аутентификатор" in client.get("/settings/two-factor/enrol/").content.decode()
    client.logout()
    enrol(UserFactory(email="ru@example.com", locale="ru"))
    client.post("/signin/", {"email": "ru@example.com", "password": DEFAULT_PASSWORD}, HTTP_ACCEPT_LANGUAGE="ru")
    assert "Введите код" in client.get("/signin/code/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()


def test_the_admin_lists_devices_without_their_secrets(client):
    user = UserFactory()
    device, _ = enrol(user)
    admin_login(client, UserFactory(is_staff=True, is_superuser=True))
    change = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    assert change.status_code == 200 and device.key not in change.content.decode()
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/").status_code == 403
    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 403
