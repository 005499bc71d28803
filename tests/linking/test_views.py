from __future__ import annotations

import hashlib
import logging

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from linking import services
from linking.models import AccountSwitch, LinkSecret, LinkStatus
from tests.factories import UserFactory

from .helpers import age, link, offer

pytestmark = pytest.mark.django_db

CONFIRM = "/link/"
SETTINGS = "/settings/linked-accounts/"


def browser(user=None, **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def assert_private(response):
    """Never stored. (The pages' URLs carry no secret; only the redirect from
    the secret's URL needs ``no-referrer``, which would break their forms.)"""
    assert "no-store" in response["Cache-Control"]


def assert_secret_url(response):
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


# --- the page reached by the link -----------------------------------------------------------


def test_link_page_signs_b_in_first_and_keeps_the_secret_out_of_urls(a, b):
    created = offer(a, b)
    guest = browser()
    first = guest.get(f"{CONFIRM}?secret={created.secret}")
    assert first.status_code == 302 and first["Location"] == CONFIRM
    assert_secret_url(first)
    second = guest.get(CONFIRM)
    assert second.status_code == 302
    assert second["Location"] == "/signin/?next=/link/"
    assert created.secret not in second["Location"]
    assert LinkSecret.objects.get().status == LinkStatus.SYN  # nothing seen yet

    # B signs in within the same browser session (the secret waits in it)
    guest.force_login(b)
    page = guest.get(CONFIRM)
    assert page.status_code == 200
    assert_private(page)
    assert "Do you want to connect account alice to yours?" in text(page)
    assert "alice@example.com" in text(page) and created.secret not in text(page)
    assert LinkSecret.objects.get().status == LinkStatus.ACK

    done = guest.post(CONFIRM, {"action": "accept"})
    assert done.status_code == 302 and done["Location"] == "/"
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.group_uuid == b.group_uuid is not None
    home = guest.get("/")
    assert "Account alice is now linked to yours" in text(home)
    # the secret is forgotten: opening the page again asks for the link
    assert guest.get(CONFIRM).status_code == 400


def test_get_only_marks_the_offer_seen(a, b):
    created = offer(a, b)
    client = browser(b)
    client.get(f"{CONFIRM}?secret={created.secret}")
    for _ in range(3):
        assert client.get(CONFIRM).status_code == 200
    assert LinkSecret.objects.get().status == LinkStatus.ACK
    assert not User.objects.exclude(group_uuid=None).exists()


def test_decline_on_the_link_page(a, b):
    created = offer(a, b)
    client = browser(b)
    client.get(f"{CONFIRM}?secret={created.secret}")
    response = client.post(CONFIRM, {"action": "decline"})
    assert response.status_code == 302
    assert LinkSecret.objects.get().status == LinkStatus.DECLINED
    assert "You declined the offer from alice" in text(client.get("/"))


def test_the_link_page_refuses_anyone_but_b_without_revealing_a(a, b, c):
    created = offer(a, b)
    client = browser(c)
    client.get(f"{CONFIRM}?secret={created.secret}")
    page = client.get(CONFIRM)
    assert page.status_code == 404
    assert_private(page)
    assert "meant for another account" in text(page)
    assert "alice" not in text(page)
    assert client.post(CONFIRM, {"action": "accept"}).status_code == 400  # the secret was dropped
    assert LinkSecret.objects.get().status == LinkStatus.SYN
    assert not User.objects.exclude(group_uuid=None).exists()


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("expired", "This link has expired."),
        ("used", "This link has already been used."),
        ("declined", "This link was declined."),
        ("withdrawn", "This link was withdrawn"),
    ],
)
def test_dead_links_are_410(a, b, state, message):
    created = offer(a, b)
    if state == "expired":
        age(created)
    elif state == "used":
        services.link_confirm(user=b, secret=created.secret)
    elif state == "declined":
        services.link_decline(user=b, secret=created.secret)
    else:
        services.link_offer_cancel(user=a, offer_id=created.offer.pk)
    client = browser(b)
    client.get(f"{CONFIRM}?secret={created.secret}")
    page = client.get(CONFIRM)
    assert page.status_code == 410
    assert message in text(page)
    assert client.post(CONFIRM, {"action": "accept"}).status_code == 400  # forgotten


def test_link_page_post_needs_an_action_and_csrf(a, b):
    created = offer(a, b)
    client = browser(b)
    client.get(f"{CONFIRM}?secret={created.secret}")
    assert client.post(CONFIRM, {"action": "maybe"}).status_code == 400
    strict = browser(b, enforce_csrf_checks=True)
    strict.get(f"{CONFIRM}?secret={created.secret}")
    assert strict.post(CONFIRM, {"action": "accept"}).status_code == 403
    assert not User.objects.exclude(group_uuid=None).exists()


def test_link_page_without_a_secret(b):
    page = browser(b).get(CONFIRM)
    assert page.status_code == 400
    assert "Open the link you were sent again" in text(page)


def test_the_secret_stays_out_of_the_request_log(a, b, caplog):
    created = offer(a, b)
    client = browser(b)
    with caplog.at_level(logging.DEBUG):
        client.get(f"{CONFIRM}?secret={created.secret}")
        client.get(CONFIRM)
        client.post(CONFIRM, {"action": "accept"})
    assert created.secret not in caplog.text


def test_link_page_in_russian(a, b):
    User.objects.filter(pk=b.pk).update(locale="ru")
    b.refresh_from_db()
    created = offer(a, b)
    client = browser(b)
    client.get(f"{CONFIRM}?secret={created.secret}")
    page = text(client.get(CONFIRM))
    assert "Хотите подключить аккаунт alice к своему?" in page
    assert "Принять" in page and "Отклонить" in page


# --- home page ---------------------------------------------------------------------------


def test_home_shows_the_offer_with_accept_and_decline(a, b, c):
    offer(a, b)
    declined = offer(c, b)
    client = browser(b)
    page = text(client.get("/"))
    assert "Do you want to connect account alice to yours?" in page
    assert "Do you want to connect account carol to yours?" in page
    assert page.count('data-action="accept"') == 2

    client.post(f"/link/offers/{declined.offer.pk}/decline/")
    assert LinkSecret.objects.get(pk=declined.offer.pk).status == LinkStatus.DECLINED
    response = client.post(f"/link/offers/{LinkSecret.objects.get(source_user=a).pk}/accept/", follow=True)
    assert "Account alice is now linked to yours" in text(response)
    assert "Do you want to connect" not in text(response)
    assert User.objects.get(pk=a.pk).group_uuid == User.objects.get(pk=b.pk).group_uuid is not None


def test_home_offer_is_only_for_b(a, b, c):
    created = offer(a, b)
    assert "Do you want to connect" not in text(browser(a).get("/"))
    assert "Do you want to connect" not in text(browser(c).get("/"))
    response = browser(c).post(f"/link/offers/{created.offer.pk}/accept/", follow=True)
    assert "meant for another account" in text(response)
    assert LinkSecret.objects.get().status == LinkStatus.SYN


def test_answering_from_home_needs_sign_in_and_post(a, b):
    created = offer(a, b)
    anon = browser().post(f"/link/offers/{created.offer.pk}/accept/")
    assert anon.status_code == 302 and anon["Location"].startswith("/signin/")
    assert browser(b).get(f"/link/offers/{created.offer.pk}/accept/").status_code == 405
    assert LinkSecret.objects.get().status == LinkStatus.SYN


def test_pending_offers_tag_runs_one_query_at_any_size(b, django_assert_max_num_queries):
    template = Template("{% load linking_tags %}{% pending_link_offers user %}")
    request = RequestFactory().get("/")
    request.user = b
    sizes = []
    for n in (1, 5):
        while LinkSecret.objects.filter(target_user=b).count() < n:
            offer(UserFactory(), b)
        with django_assert_max_num_queries(1):  # offers joined to their makers and profiles
            html = template.render(Context({"user": b, "request": request}))
        sizes.append(html.count("link-offer__question"))
    assert sizes == [1, 5]


def test_home_page_query_count_does_not_grow_with_offers(b):
    client = browser(b)
    client.get("/")  # the session and its user are cached from here on
    counts = []
    for n in (1, 6):
        while LinkSecret.objects.filter(target_user=b).count() < n:
            offer(UserFactory(), b)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- the settings panel ---------------------------------------------------------------------


def test_panel_creates_an_offer_and_shows_the_link_once(a, b, settings):
    settings.SITE_URL = "https://walks.example"
    client = browser(a)
    page = client.get(SETTINGS)
    assert page.status_code == 200
    assert_private(page)
    assert "No accounts are linked to this one yet." in text(page)
    response = client.post("/settings/linked-accounts/offer/", {"email": "bob@example.com", "next": SETTINGS})
    assert response.status_code == 302 and response["Location"] == SETTINGS
    shown = text(client.get(SETTINGS))
    assert 'class="secret-box"' in shown
    assert "https://walks.example/link/?secret=" in shown
    secret = shown.split("https://walks.example/link/?secret=")[1].split("<")[0].strip()
    assert LinkSecret.objects.get().secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    again = text(client.get(SETTINGS))
    assert secret not in again and "secret-box" not in again
    assert "Links you made" in again and "bob@example.com" in again


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("alice@example.com", "You cannot link an account to itself."),
        ("not an email", "Enter a valid email address."),
    ],
)
def test_panel_shows_errors_beside_the_field(a, email, message):
    client = browser(a)
    client.post("/settings/linked-accounts/offer/", {"email": email})
    page = text(client.get(SETTINGS))
    assert message in page and 'aria-invalid="true"' in page
    assert not LinkSecret.objects.exists()
    assert 'aria-invalid="true"' not in text(client.get(SETTINGS))


def test_panel_answers_alike_for_known_and_unknown_addresses(a, b, settings):
    """The form is no oracle for registered addresses: same redirect, same
    message, same list; the unknown address simply never gets the offer."""
    settings.SITE_URL = "https://walks.example"
    pages = {}
    for email in ("bob@example.com", "nobody@example.com"):
        client = browser(a)
        response = client.post("/settings/linked-accounts/offer/", {"email": email, "next": SETTINGS})
        assert response.status_code == 302 and response["Location"] == SETTINGS
        page = text(client.get(SETTINGS))
        assert "Your link is ready." in page and "https://walks.example/link/?secret=" in page
        assert "There is no account" not in page and 'aria-invalid="true"' not in page
        # the secret differs, and so does the address typed: nothing else
        secret = page.split("https://walks.example/link/?secret=")[1].split("<")[0].strip()
        pages[email] = page.replace(secret, "SECRET").replace(email, "EMAIL")
    assert pages["bob@example.com"].count("EMAIL") == pages["nobody@example.com"].count("EMAIL")
    assert "bob" not in pages["bob@example.com"].split('id="linked-accounts"')[1].replace("EMAIL", "")
    assert LinkSecret.objects.filter(target_user=b).count() == 1
    assert LinkSecret.objects.filter(target_user=None, target_email="nobody@example.com").count() == 1


def test_panel_says_why_a_linked_account_cannot_offer(a, b, c):
    link(a, b)
    page = text(browser(a).get(SETTINGS))
    assert "cannot join another one" in page
    assert 'name="email"' not in page
    response = browser(a).post("/settings/linked-accounts/offer/", {"email": c.email})
    assert response.status_code == 302
    assert not LinkSecret.objects.filter(target_user=c).exists()


def test_panel_lists_linked_accounts_and_unlinks(a, b, c):
    link(b, c)
    link(a, b)
    client = browser(a)
    page = text(client.get(SETTINGS))
    assert "bob@example.com" in page and "carol@example.com" in page
    assert "Take this account out of the group" in page
    client.post(f"/settings/linked-accounts/{c.pk}/unlink/", {"next": SETTINGS})
    assert User.objects.get(pk=c.pk).group_uuid is None
    page = text(client.get(SETTINGS))
    assert "Account carol is no longer linked to yours." in page
    client.post(f"/settings/linked-accounts/{a.pk}/unlink/")
    assert set(User.objects.filter(pk__in=[a.pk, b.pk]).values_list("group_uuid", flat=True)) == {None}


def test_panel_withdraws_an_offer(a, b):
    created = offer(a, b)
    client = browser(a)
    assert browser(b).post(f"/settings/linked-accounts/offers/{created.offer.pk}/withdraw/").status_code == 302
    assert LinkSecret.objects.get().status == LinkStatus.SYN
    client.post(f"/settings/linked-accounts/offers/{created.offer.pk}/withdraw/")
    assert LinkSecret.objects.get().status == LinkStatus.CANCELLED


def test_panel_ignores_an_outside_next(a, b):
    response = browser(a).post("/settings/linked-accounts/offer/", {"email": b.email, "next": "https://evil.example/"})
    assert response["Location"] == SETTINGS


def test_settings_page_needs_sign_in():
    response = browser().get(SETTINGS)
    assert response.status_code == 302 and response["Location"].startswith("/signin/")


@pytest.mark.parametrize("n", [1, 5])
def test_panel_page_runs_a_constant_number_of_queries(n, django_assert_max_num_queries):
    me = UserFactory()
    for _ in range(n):
        link(UserFactory(), me)
        offer(UserFactory(), me)
    me.refresh_from_db()
    client = browser(me)
    # session, user, profile (top bar); switcher members; panel: members, incoming, outgoing
    with django_assert_max_num_queries(8):
        page = text(client.get(SETTINGS))
    assert page.count('data-action="unlink"') == n and page.count('data-action="accept"') == n


# --- switching ---------------------------------------------------------------------------


def test_switcher_appears_only_for_linked_accounts(a, b, c):
    assert "Switch account" not in text(browser(a).get("/"))
    link(a, b)
    page = text(browser(b).get("/"))
    assert "Switch account" in page and f'data-switch-to="{a.pk}"' in page
    assert f'data-switch-to="{c.pk}"' not in page


def test_switch_signs_in_as_the_other_account_and_is_logged(a, b):
    link(a, b)
    client = browser(b)
    response = client.post("/link/switch/", {"user": a.pk}, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(a.pk)
    assert "You are now signed in as alice." in text(client.get("/"))
    log = AccountSwitch.objects.get()
    assert (log.from_user, log.to_user, log.ip, log.channel) == (b, a, "198.51.100.7", "web")


def test_switch_is_refused_outside_the_group_and_after_unlinking(a, b, c):
    link(a, b)
    client = browser(b)
    for target in (c.pk, "abc", b.pk):
        client.post("/link/switch/", {"user": target})
        assert client.session["_auth_user_id"] == str(b.pk)
    services.group_leave(user=a)
    response = client.post("/link/switch/", {"user": a.pk}, follow=True)
    assert client.session["_auth_user_id"] == str(b.pk)
    assert "This account is not linked to yours." in text(response)
    assert not AccountSwitch.objects.exists()
    assert browser(b).get("/link/switch/").status_code == 405
