"""A person in a real browser: sign up with the e-mailed code, sign out, sign in again."""

from __future__ import annotations

import re

import pytest

from accounts.models import User

from .factories import DEFAULT_PASSWORD, UserFactory, code_in

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_sign_up_with_the_emailed_code_sign_out_and_sign_in_again(page, mailoutbox):
    page.goto(page.base + "/")
    page.get_by_role("link", name="Sign up").first.click()
    page.wait_for_url(re.compile(r"/signup/$"))

    page.fill("input[name=email]", "walker@example.com")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/signup/confirm/$"))
    assert "walker@example.com" in page.inner_text("main")

    [message] = mailoutbox
    assert message.to == ["walker@example.com"]
    page.fill("input[name=code]", code_in(message))
    page.fill("input[name=username]", "walker")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main form.form button[type=submit]")
    page.wait_for_url(page.base + "/")
    assert "Welcome to Walks, walker!" in page.inner_text(".flashes")
    assert "walker" in page.inner_text(".topbar")
    assert User.objects.get(email="walker@example.com").profile.username == "walker"

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(page.base + "/")
    assert page.get_by_role("link", name="Sign in").first.is_visible()

    page.goto(page.base + "/signin/?next=/settings/")
    page.fill("input[name=email]", "Walker@Example.com")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(page.base + "/settings/")
    assert page.input_value("input[name=username]") == "walker"


def test_wrong_password_then_right_on_a_phone(mobile_page):
    page = mobile_page
    user = UserFactory(username="phoner")
    page.goto(page.base + "/signin/")
    _no_sideways_scroll(page)
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", "not-my-password")
    page.click("main button[type=submit]")
    assert "Wrong e-mail or password" in page.inner_text(".form-error")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(page.base + "/")
    page.goto(page.base + "/settings/")
    _no_sideways_scroll(page)
    assert page.input_value("input[name=username]") == "phoner"
