"""A person activates their account in a real browser with a code the bot
got from the API."""

from __future__ import annotations

import json
import urllib.request

import pytest

from accounts.models import User
from accounts.service_tokens import service_token_create
from staff.models import Position

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "river-stone-lantern-42"


def bot_creates_staff(base: str, **fields) -> dict:
    """What the bot does: POST /api/v1/staff over HTTP with its token."""
    _token, secret = service_token_create(name="staff-bot", scopes=["staff"])
    request = urllib.request.Request(
        f"{base}/api/v1/staff",
        data=json.dumps(fields).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 201
        return json.load(reply)


def test_a_person_activates_with_the_code_from_the_api_and_is_signed_in(page):
    position = Position.objects.create(name="Store manager", has_erp_access=True)
    staff = bot_creates_staff(
        page.base,
        full_name="Anna Petrova",
        email="anna.petrova@example.com",
        phone="+7 999 123-45-67",
        position=position.pk,
        create_user=True,
    )
    code = staff["activation_code"]

    page.goto(f"{page.base}/activate/")
    assert page.title().startswith("First sign-in / Activation")
    page.get_by_label("Work e-mail").fill("anna.petrova@example.com")
    # A wrong code first: the page says so and keeps the e-mail.
    page.get_by_label("Activation code").fill("ABCD-EFGH-JM" if code != "ABCD-EFGH-JM" else "ABCD-EFGH-JK")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Activate and sign in").click()
    page.wait_for_selector(".errorlist")
    assert "activation code is wrong" in page.locator("#id_activation_code-errors").inner_text()
    assert page.get_by_label("Work e-mail").input_value() == "anna.petrova@example.com"

    # Typed the way people type a code from a chat: lower case, spaces.
    page.get_by_label("Activation code").fill(code.lower().replace("-", " "))
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Activate and sign in").click()
    page.wait_for_url(f"{page.base}/")

    assert "Your account is active" in page.locator(".flash--success").inner_text()
    cookies = {c["name"] for c in page.context.cookies()}
    assert "sessionid" in cookies
    user = User.objects.get(email="anna.petrova@example.com")
    assert user.is_active and user.check_password(PASSWORD)
    assert "anna.petrova" in page.content()  # the layout shows the signed-in person


def test_the_page_works_on_a_phone_in_russian(mobile_page):
    page = mobile_page
    page.goto(f"{page.base}/activate/")
    page.get_by_role("button", name="RU").click()  # the footer's language switch
    page.wait_for_load_state()
    assert "Первый вход / Активация" in page.locator("h1").inner_text()
    # Nothing sticks out sideways on a narrow screen, and the button fills the card.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.get_by_role("button", name="Активировать и войти").bounding_box()["width"] > 250
