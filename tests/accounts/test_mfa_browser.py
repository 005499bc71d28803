"""The second factor in a real browser, with codes computed here as an authenticator app would."""

from __future__ import annotations

import os
import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from .factories import DEFAULT_PASSWORD, UserFactory
from .mfa_helpers import code_for, enrol, key_from_secret, totp_code

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("MFA_SCREENSHOTS")  # a directory: write the pages' screenshots there


def _shot(page, name: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"mfa-{name}.png"), full_page=True)


def _password_step(page, email: str, next_url: str = "") -> None:
    page.goto(page.base + "/signin/" + (f"?next={next_url}" if next_url else ""))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/signin/code/$"))


def test_enrol_in_settings_sign_out_and_sign_in_with_password_and_code(page):
    user = UserFactory(username="careful")
    page.goto(page.base + "/signin/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(page.base + "/")

    page.goto(page.base + "/settings/")
    page.get_by_role("link", name="Set up two-factor authentication").click()
    page.wait_for_url(re.compile(r"/settings/two-factor/$"))
    page.get_by_role("button", name="Set up an authenticator app").click()
    page.wait_for_url(re.compile(r"/settings/two-factor/enrol/$"))
    qr = page.locator(".mfa-qr img")
    qr.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", qr.element_handle())
    key = key_from_secret(page.inner_text("#mfa-secret"))

    page.fill("input[name=code]", totp_code(key))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.wait_for_selector("#recovery-codes")
    assert "Two-factor authentication is on." in page.inner_text(".flashes")
    assert page.locator("#recovery-codes li").count() == 10
    page.get_by_role("link", name="I saved them").click()
    page.wait_for_url(re.compile(r"/settings/two-factor/$"))
    assert "10 recovery codes left." in page.inner_text("main")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(page.base + "/")

    _password_step(page, user.email, "/settings/")
    page.goto(page.base + "/settings/")  # not signed in yet: the password alone is not a sign-in
    page.wait_for_url(re.compile(r"/signin/\?next="))
    _password_step(page, user.email, "/settings/")
    page.fill("input[name=code]", "000000" if totp_code(key, windows_ahead=1) != "000000" else "111111")
    page.click("main button[type=submit]")
    assert "wrong or has already been used" in page.inner_text("main")
    page.fill("input[name=code]", totp_code(key, windows_ahead=1))
    page.click("main button[type=submit]")
    page.wait_for_url(page.base + "/settings/")
    assert "careful" in page.inner_text(".topbar")


def test_an_admin_reaches_the_admin_only_after_the_code(page):
    staff = UserFactory(username="boss", is_staff=True, is_superuser=True)
    device, _ = enrol(staff)
    _password_step(page, staff.email, "/admin/")
    page.goto(page.base + "/admin/")
    assert "/admin/login/" in page.url  # half-way is not signed in

    _password_step(page, staff.email, "/admin/")
    page.fill("input[name=code]", code_for(device))
    page.click("main button[type=submit]")
    page.wait_for_url(page.base + "/admin/")
    assert "Site administration" in page.inner_text("body")


def test_a_staff_member_without_a_device_enrols_on_the_way_to_the_admin(mobile_page):
    page = mobile_page
    staff = UserFactory(username="newboss", is_staff=True)
    page.goto(page.base + "/signin/?next=/admin/")
    page.fill("input[name=email]", staff.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/settings/two-factor/\?next="))
    assert "The admin needs two-factor authentication" in page.inner_text(".flashes")
    page.get_by_role("button", name="Set up an authenticator app").click()
    page.wait_for_url(re.compile(r"/enrol/$"))
    key = key_from_secret(page.inner_text("#mfa-secret"))
    assert key == TOTPDevice.objects.get(user=staff).bin_key
    page.fill("input[name=code]", totp_code(key))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.get_by_role("link", name="I saved them, continue").click()
    page.wait_for_url(page.base + "/admin/")
    assert "Site administration" in page.inner_text("body")


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_pages_fit_phone_and_desktop(_browser, live_server, size, lang):
    viewport = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}[size]
    extra = {"is_mobile": True, "has_touch": True} if size == "phone" else {}
    context = _browser.new_context(viewport=viewport, locale={"en": "en-US", "ru": "ru-RU"}[lang], **extra)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base = live_server.url
    try:
        _pages_in_turn(page, UserFactory(locale=lang), f"{lang}-{size}")
    finally:
        context.close()


def _pages_in_turn(page, user, name: str) -> None:
    page.goto(page.base + "/signin/")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(page.base + "/")
    page.goto(page.base + "/settings/#two-factor")
    _shot(page, f"{name}-settings")
    page.locator("#two-factor a.btn").click()
    page.wait_for_url(re.compile(r"/settings/two-factor/$"))
    _shot(page, f"{name}-off")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/enrol/$"))
    page.locator(".mfa-qr img").wait_for()
    _shot(page, f"{name}-enrol")
    key = key_from_secret(page.inner_text("#mfa-secret"))
    page.fill("input[name=code]", f"{(int(totp_code(key)) + 500) % 10**6:06d}")
    page.click("main form.form button[type=submit]")
    page.wait_for_selector(".field--error")
    _shot(page, f"{name}-enrol-error")
    page.fill("input[name=code]", totp_code(key))
    page.click("main form.form button[type=submit]")
    page.wait_for_selector("#recovery-codes")
    _shot(page, f"{name}-codes")
    page.goto(page.base + "/settings/two-factor/")
    _shot(page, f"{name}-on")
    page.locator(".nav__button").first.evaluate("b => b.form.submit()")
    page.wait_for_url(page.base + "/")
    _password_step(page, user.email)
    _shot(page, f"{name}-code")
