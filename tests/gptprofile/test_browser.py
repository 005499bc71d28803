"""The whole story in a real browser: ChatGPT asks for a link over HTTP, the
person opens the link from the e-mail, switches to Russian, sets a new
passphrase, signs in with it and sees the site in Russian."""

from __future__ import annotations

import pytest

from accounts.service_tokens import service_token_create
from tests.factories import UserFactory

from .conftest import link_from_mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSPHRASE = "lantern-orbit-meadow-42"


@pytest.fixture
def site_url(settings, live_server):
    # Links are built from SITE_URL; point it at the live server.
    settings.SITE_URL = live_server.url
    return live_server.url


@pytest.mark.parametrize("screen", ["page", "mobile_page"])
def test_link_from_the_email_to_signing_in_in_russian(request, screen, site_url, mailoutbox):
    pg = request.getfixturevalue(screen)
    user = UserFactory(email="walker@example.com", locale="en")
    _token, secret = service_token_create(name="ChatGPT", scopes=["gpt"])

    # 1. ChatGPT's call, over HTTP like the real action.
    reply = pg.request.post(
        f"{site_url}/api/v1/gpt/profile/init",
        data={"email": "Walker@Example.com"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert reply.status == 200, reply.text()
    assert reply.json()["status"] == "sent"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [user.email]
    link, _raw = link_from_mail(mailoutbox[0])
    assert link.startswith(f"{site_url}/profile/edit/?token=")

    # 2. The person opens the link: their account, in their language, nothing used up yet;
    # the address bar (and history) no longer holds the token, and the one the link carried is dead.
    response = pg.goto(link)
    assert response.status == 200
    assert pg.url == f"{site_url}/profile/edit/"
    assert response.request.redirected_from.response().headers["referrer-policy"] == "no-referrer"
    assert "no-store" in response.headers["cache-control"]
    assert pg.locator("html").get_attribute("lang") == "en"
    assert pg.get_by_test_id("masked-email").inner_text() == "w***@e***.com"

    # 3. A mismatched confirmation is refused on the page, and nothing is saved.
    pg.get_by_label("Language").select_option("ru")
    pg.get_by_label("New password", exact=True).fill(NEW_PASSPHRASE)
    pg.get_by_label("Repeat the new password").fill(NEW_PASSPHRASE + "?")
    pg.get_by_role("button", name="Save changes").click()
    assert "do not match" in pg.locator(".errorlist").inner_text()
    user.refresh_from_db()
    assert user.locale == "en"

    # 4. Russian and a new passphrase, saved.
    pg.get_by_label("Language").select_option("ru")
    pg.get_by_label("New password", exact=True).fill(NEW_PASSPHRASE)
    pg.get_by_label("Repeat the new password").fill(NEW_PASSPHRASE)
    pg.get_by_role("button", name="Save changes").click()
    pg.wait_for_url("**/profile/edit/done/**")
    assert pg.locator("html").get_attribute("lang") == "ru"
    assert pg.get_by_role("heading", level=1).inner_text() == "Профиль сохранён"
    user.refresh_from_db()
    assert user.locale == "ru" and user.check_password(NEW_PASSPHRASE)

    # 5. The link is spent.
    again = pg.goto(link)
    assert again.status == 410
    assert "ChatGPT" in pg.locator("main").inner_text()

    # 6. Sign in with the new passphrase and see Walks in Russian.
    pg.goto(f"{site_url}/signin/")
    signin = pg.locator("form", has=pg.locator('input[name="password"]'))
    assert pg.locator("html").get_attribute("lang") == "ru"  # the language cookie set on saving
    signin.locator('input[name="email"]').fill(user.email)
    signin.locator('input[name="password"]').fill(NEW_PASSPHRASE)
    signin.locator('button[type="submit"]').click()
    pg.wait_for_load_state()
    assert "/signin/" not in pg.url
    assert pg.locator("html").get_attribute("lang") == "ru"
    header = pg.locator("header").inner_text()
    if screen == "mobile_page":
        pg.get_by_role("button", name="Меню").click()
        header = pg.locator("header").inner_text()
    assert "Выйти" in header  # "Sign out", signed in and in Russian
    assert user.profile.username in header


def test_a_spent_link_tells_how_to_get_a_new_one(page, site_url):
    response = page.goto(f"{site_url}/profile/edit/?token=not-a-real-token")
    assert response.status == 410
    assert response.headers["referrer-policy"] == "no-referrer"
    text = page.locator("main").inner_text()
    assert "This link no longer works" in text and "Send me a new link" in text
    page.get_by_role("link", name="Go to the home page").click()
    page.wait_for_url(f"{site_url}/")
