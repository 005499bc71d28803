from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client

from gptprofile.models import ProfileEditToken
from tests.conftest import admin_login
from tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import make_link

pytestmark = pytest.mark.django_db

EDIT = "/profile/edit/"
NEW_PASSPHRASE = "lantern-orbit-meadow-42"


def assert_private(response):
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]


def form(**values):
    return {"locale": "en", "passphrase": "", "passphrase_confirm": "", **values}


def open_link(client, raw):
    """Open the e-mailed link: its token is traded for one kept in the session,
    and the browser lands on the bare address."""
    response = client.get(EDIT, {"token": raw})
    assert response.status_code == 302 and response["Location"] == EDIT
    assert_private(response)
    return response


# --- opening the link --------------------------------------------------------------------------


def test_the_page_shows_the_masked_account_and_the_form(client):
    user = UserFactory(email="john.doe@example.com", username="johnny")
    raw = make_link(user)

    open_link(client, raw)
    response = client.get(EDIT)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "noindex" in response["X-Robots-Tag"]
    html = response.content.decode()
    assert "j***@e***.com" in html and "john.doe@example.com" not in html
    assert "johnny" in html
    assert 'name="locale"' in html and 'name="passphrase"' in html and 'name="passphrase_confirm"' in html
    assert raw not in html  # the page carries no token: the session does
    assert '<option value="ru">Русский</option>' in html
    assert ProfileEditToken.objects.get().used_at is None  # opening does not use it up
    open_link(client, raw)  # the same browser opening the link again
    assert client.get(EDIT).status_code == 200


def test_the_token_in_the_address_dies_once_the_link_is_opened(client):
    """Access logs and browser history record the e-mailed address; the token
    in it works only until the link is first opened."""
    raw = make_link(UserFactory())
    open_link(client, raw)
    other_browser = Client()
    assert other_browser.get(EDIT, {"token": raw}).status_code == 410
    assert client.get(EDIT).status_code == 200  # the browser that opened it keeps the link


def test_the_page_speaks_the_language_of_the_account_it_edits(client):
    raw = make_link(UserFactory(locale="ru"))
    open_link(client, raw)
    response = client.get(EDIT, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "ru"
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "Изменить профиль" in html and "Сохранить" in html


def test_the_page_speaks_the_account_language_even_to_someone_signed_in_in_another(client):
    other = UserFactory(locale="en")
    client.force_login(other)
    open_link(client, make_link(UserFactory(locale="ru")))
    response = client.get(EDIT)
    assert response["Content-Language"] == "ru"


@pytest.mark.parametrize("kind", ["empty", "unknown", "too-long", "used", "expired", "superseded"])
def test_a_bad_link_shows_how_to_get_a_new_one(client, kind):
    user = UserFactory()
    tokens = {
        "empty": "",
        "unknown": "A" * 43,
        "too-long": "a" * 500,
        "used": make_link(user, used=True),
        "expired": make_link(user, age=timedelta(minutes=61)),
    }
    if kind == "superseded":
        from django.utils import timezone

        tokens[kind] = make_link(user)
        ProfileEditToken.objects.update(expires_at=timezone.now())
    response = client.get(EDIT, {"token": tokens[kind]})
    assert response.status_code == 410
    assert_private(response)
    html = response.content.decode()
    assert "This link no longer works" in html
    assert "ChatGPT" in html and "Send me a new link" in html
    assert 'name="passphrase"' not in html


def test_a_bad_link_in_russian_for_a_russian_browser(client):
    response = client.get(EDIT, {"token": "nope"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 410
    assert "Ссылка больше не работает" in response.content.decode()


# --- saving -----------------------------------------------------------------------------------------------


def test_saving_locale_and_passphrase(client):
    user = UserFactory()
    raw = make_link(user)
    open_link(client, raw)

    response = client.post(EDIT, form(locale="ru", passphrase=NEW_PASSPHRASE, passphrase_confirm=NEW_PASSPHRASE))

    assert response.status_code == 302
    assert_private(response)
    assert response["Location"].startswith("/profile/edit/done/?")
    assert raw not in response["Location"]
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    user.refresh_from_db()
    assert user.locale == "ru" and user.check_password(NEW_PASSPHRASE)
    assert ProfileEditToken.objects.get().used_at is not None

    done = client.get(response["Location"])
    assert done.status_code == 200
    assert "no-store" in done["Cache-Control"] and "noindex" in done["X-Robots-Tag"]
    html = done.content.decode()
    assert '<html lang="ru">' in html
    assert "Профиль сохранён" in html and "Русский" in html
    assert "/signin/" in html

    again = client.post(EDIT, form(locale="en"))
    assert again.status_code == 410
    user.refresh_from_db()
    assert user.locale == "ru"


def test_saving_the_passphrase_only(client):
    user = UserFactory()
    open_link(client, make_link(user))
    response = client.post(EDIT, form(passphrase=NEW_PASSPHRASE, passphrase_confirm=NEW_PASSPHRASE))
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    user.refresh_from_db()
    assert user.locale == "en" and user.check_password(NEW_PASSPHRASE)
    assert "password is changed" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "nothing to save"),
        ({"passphrase": NEW_PASSPHRASE, "passphrase_confirm": "lantern-orbit-meadow-43"}, "do not match"),
        ({"passphrase": NEW_PASSPHRASE}, "do not match"),
        ({"passphrase_confirm": NEW_PASSPHRASE}, "in both fields"),
        ({"passphrase": "short", "passphrase_confirm": "short"}, "too short"),
        ({"passphrase": "password123", "passphrase_confirm": "password123"}, "too common"),
        ({"passphrase": "84736251907", "passphrase_confirm": "84736251907"}, "entirely numeric"),
        ({"locale": "de"}, "Select a valid choice"),
        ({"locale": "ru", "passphrase": "short", "passphrase_confirm": "short"}, "too short"),
    ],
)
def test_bad_values_show_the_form_again_and_change_nothing(client, values, message):
    user = UserFactory()
    raw = make_link(user)
    open_link(client, raw)

    response = client.post(EDIT, form(**values))

    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert message in html
    assert 'class="errorlist' in html or "form-error" in html
    assert raw not in html
    user.refresh_from_db()
    assert user.locale == "en" and user.check_password(DEFAULT_PASSWORD)
    assert ProfileEditToken.objects.get().used_at is None


def test_a_form_with_a_bad_token_changes_nothing(client):
    user = UserFactory()
    response = client.post(EDIT, {**form(locale="ru"), "token": "A" * 43})  # a token in the body is not read
    assert response.status_code == 410
    user.refresh_from_db()
    assert user.locale == "en"


def test_the_form_posts_with_its_csrf_token():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    open_link(client, make_link(user))
    page = client.get(EDIT)
    csrf = page.context["csrf_token"]
    response = client.post(EDIT, {**form(locale="ru"), "csrfmiddlewaretoken": str(csrf)})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.locale == "ru"


def test_a_cross_site_post_changes_nothing_even_after_the_link_was_opened():
    """Now that the session holds the link, the form is behind the CSRF check."""
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    open_link(client, make_link(user))
    response = client.post(
        EDIT,
        form(locale="ru", passphrase=NEW_PASSPHRASE, passphrase_confirm=NEW_PASSPHRASE),
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.locale == "en" and user.check_password(DEFAULT_PASSWORD)


def test_a_new_passphrase_keeps_this_browser_signed_in_and_ends_other_sessions(client):
    user = UserFactory()
    elsewhere = Client()
    elsewhere.force_login(user)
    client.force_login(user)
    open_link(client, make_link(user))

    response = client.post(EDIT, form(passphrase=NEW_PASSPHRASE, passphrase_confirm=NEW_PASSPHRASE))
    assert response.status_code == 302

    assert client.get("/").wsgi_request.user == user
    assert not elsewhere.get("/").wsgi_request.user.is_authenticated


def test_the_page_is_rate_limited_per_ip(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "gpt-edit-ip": (2, 600)}
    raw = make_link(UserFactory())
    assert client.get(EDIT, {"token": raw}).status_code == 302
    assert client.get(EDIT).status_code == 200
    response = client.get(EDIT)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_the_page_only_takes_get_and_post(client):
    assert client.put(EDIT).status_code == 405


# --- privacy, admin -------------------------------------------------------------------------------------------------


def test_privacy_page_explains_the_chatgpt_action(client, settings):
    settings.PRIVACY_CONTACT_EMAIL = "privacy@walks.example"
    response = client.get("/privacy/")
    assert response.status_code == 200
    html = response.content.decode()
    for expected in ("ChatGPT", "PIN", "SHA-256", "60 minutes", "7 days", "mailto:privacy@walks.example"):
        assert expected in html


def test_privacy_page_in_russian(client):
    response = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert "Конфиденциальность в Walks" in html and "Действие Walks в ChatGPT" in html


def test_admin_lists_links_without_secrets(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    user = UserFactory(email="listed@example.com")
    raw = make_link(user)
    make_link(user, used=True)
    admin_login(client, admin)

    listing = client.get("/admin/gptprofile/profileedittoken/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "listed@example.com" in html
    row = ProfileEditToken.objects.first()
    assert row.token_hash not in html and raw not in html

    detail = client.get(f"/admin/gptprofile/profileedittoken/{row.pk}/change/")
    assert detail.status_code == 200
    assert row.token_hash not in detail.content.decode()
    assert client.get("/admin/gptprofile/profileedittoken/add/").status_code == 403


def test_admin_list_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = UserFactory(is_staff=True, is_superuser=True)
    admin_login(client, admin)
    client.get("/admin/gptprofile/profileedittoken/")  # the session and its user are cached from here on
    counts = []
    for size in (2, 12):
        while ProfileEditToken.objects.count() < size:
            make_link(UserFactory())
        # count (filtered and total), page of links with their users, date
        # hierarchy; the users come in the same query (list_select_related).
        with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as queries:
            response = client.get("/admin/gptprofile/profileedittoken/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_page_reads_the_link_in_one_query(client, django_assert_max_num_queries):
    raw = make_link(UserFactory())
    open_link(client, raw)
    # The link joined with its user and profile, and the visitor's session.
    with django_assert_max_num_queries(2):
        response = client.get(EDIT)
    assert response.status_code == 200


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_page_without_any_link_says_how_to_get_one(client, signed_in):
    """Issue 16: no token at all is not "the link no longer works"."""
    if signed_in:
        client.force_login(UserFactory())
    response = client.get(EDIT)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Open your profile link" in html and "no longer works" not in html
    assert "Ask it for a new link" in html
    assert ('href="/settings/"' in html.split("gpt-steps")[1]) is signed_in
    assert_private(response)


def test_a_used_or_bad_token_still_says_the_link_no_longer_works(client):
    response = client.get(EDIT + "?token=not-a-real-token", follow=True)
    assert "This link no longer works" in response.content.decode()
    assert "Open your profile link" not in response.content.decode()
