"""The whole story in a real Chromium: A makes the link in settings, B opens it,
accepts, and switches to A from the account menu."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import login
from django.http import HttpRequest
from django.test import Client

from accounts.models import User
from linking import services
from linking.models import AccountSwitch, LinkSecret, LinkStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def sign_in(page, user) -> None:
    """A session made on the server side, handed to the browser (the sign-in
    pages belong to the accounts app and are tested there)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.base}])


def sign_in_keeping_session(page, user) -> None:
    """Sign the browser's current (anonymous) session in, as the sign-in form
    does: ``login()`` keeps what the session held, here the pending link."""
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    request = HttpRequest()
    request.session = import_module(django_settings.SESSION_ENGINE).SessionStore(cookie["value"])
    login(request, user, backend="accounts.backends.EmailBackend")
    request.session.save()
    page.context.add_cookies([{"name": "sessionid", "value": request.session.session_key, "url": page.base}])


@pytest.fixture
def people(transactional_db, settings, live_server):
    settings.SITE_URL = live_server.url
    a = UserFactory(email="alice@example.com", username="alice")
    b = UserFactory(email="bob@example.com", username="bob")
    return a, b


def test_a_links_b_accepts_and_switches_to_a(people, new_page):
    a, b = people
    page_a = new_page()
    sign_in(page_a, a)
    page_a.goto(page_a.base + "/settings/linked-accounts/")
    page_a.fill("#link-email", "bob@example.com")
    page_a.click("text=Create link")
    link = page_a.locator(".secret-box").inner_text().strip()
    assert link.startswith(page_a.base + "/link/?secret=")
    assert page_a.locator(".link-outgoing").inner_text().count("bob@example.com") == 1

    page_b = new_page()
    sign_in(page_b, b)
    page_b.goto(page_b.base + "/")
    assert "Do you want to connect account alice to yours?" in page_b.locator(".link-offer").inner_text()

    headers = {}
    page_b.on("response", lambda r: headers.setdefault(r.url, r.headers))
    page_b.goto(link)
    assert page_b.url == page_b.base + "/link/"  # the secret left the address bar
    assert headers[link]["referrer-policy"] == "no-referrer"
    assert "no-store" in headers[link]["cache-control"]
    assert "Do you want to connect account alice to yours?" in page_b.locator("h1").inner_text()
    assert LinkSecret.objects.get().status == LinkStatus.ACK

    page_b.click("button[value=accept]")
    page_b.wait_for_url(page_b.base + "/")
    assert "Account alice is now linked to yours" in page_b.locator(".flashes").inner_text()
    assert User.objects.get(pk=a.pk).group_uuid == User.objects.get(pk=b.pk).group_uuid is not None

    page_b.click("summary.switcher__toggle")
    page_b.click(f"[data-switch-to='{a.pk}']")
    page_b.wait_for_url(page_b.base + "/")
    assert "You are now signed in as alice." in page_b.locator(".flashes").inner_text()
    assert page_b.locator(".nav__user").inner_text().split() == ["A", "alice"]  # avatar letter, name
    assert AccountSwitch.objects.get().to_user_id == a.pk

    # A sees B in settings and unlinks; the switcher disappears for both
    page_a.goto(page_a.base + "/settings/linked-accounts/")
    assert "bob@example.com" in page_a.locator(".link-member").inner_text()
    page_a.once("dialog", lambda dialog: dialog.accept())
    page_a.click("[data-action=unlink]")
    page_a.wait_for_selector("text=No accounts are linked to this one yet.")
    page_b.goto(page_b.base + "/")
    assert page_b.locator(".switcher").count() == 0


def test_b_signs_in_first_then_declines_on_a_phone(people, mobile_page):
    a, b = people
    link = services.link_offer_create(user=a, email=b.email).link
    page = mobile_page
    page.goto(link)
    # Not signed in: off to the sign-in page, which brings B back to /link/.
    assert "/signin/" in page.url and "next=/link/" in page.url and "secret" not in page.url
    sign_in_keeping_session(page, b)
    page.goto(page.base + "/link/")
    assert "alice@example.com" in page.locator(".link-confirm").inner_text()
    page.click("button[value=decline]")
    page.wait_for_url(page.base + "/")
    assert "You declined the offer from alice." in page.locator(".flashes").inner_text()
    assert LinkSecret.objects.get().status == LinkStatus.DECLINED
