"""The title page and the titles page served whole from the cache per
visitor (core.visitor_cache): a warm hit renders nothing and reads nothing,
the visitor's own writes show on the next request, nobody sees another
visitor's parts, and CSRF tokens and messages stay per request."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts import services as account_services
from catalog import services as catalog_services
from catalog.models import Title
from catalog.permissions import CURATORS_GROUP
from reviews import services as review_services
from reviews.models import Review
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory
from walks import services as walk_services
from walks.models import Walk

pytestmark = pytest.mark.django_db

TITLES = "/titles/?type=game"


def page(pk: int) -> str:
    return f"/titles/{pk}/"


@pytest.fixture
def title():
    return TitleFactory(name="Outer Wilds", type="game")


@pytest.fixture
def member(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def token_in(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def hit(client, path):
    """A request answered from the page cache: no template rendered."""
    response = client.get(path)
    assert response.status_code == 200
    assert response.templates == [], "expected a cached page"
    return response


# --- the visitor's own writes show at once ---------------------------------------------


def test_own_walk_review_and_watchlist_show_at_once_on_the_title_page(member, user, title, committed):
    text(member.get(page(title.pk)))
    hit(member, page(title.pk))

    committed(walk_services.watchlist_add, user=user, title_id=title.pk)
    assert "On your watchlist" in text(member.get(page(title.pk)))

    committed(walk_services.walk_upsert, user=user, title_id=title.pk, state="in_progress")
    html = text(member.get(page(title.pk)))
    assert re.search(r'value="in_progress" class="[^"]*is-active', html)
    assert "Remove walk" in html

    committed(review_services.review_upsert, user=user, title_id=title.pk, rating=91, text="Supernova.")
    html = text(member.get(page(title.pk)))
    assert "Supernova." in html and "Save review" in html
    review = Review.objects.get(user=user, title=title)

    committed(review_services.review_delete, user=user, review_id=review.pk)
    assert "Supernova." not in text(member.get(page(title.pk)))

    committed(walk_services.walk_delete_for_title, user=user, title_id=title.pk)
    assert "Remove walk" not in text(member.get(page(title.pk)))


@pytest.mark.parametrize("path", [TITLES, "title"])
def test_own_profile_changes_show_at_once_on_both_pages(member, user, title, committed, path):
    path = page(title.pk) if path == "title" else path
    text(member.get(path))
    hit(member, path)

    committed(account_services.profile_update, user=user, username="new_name")
    assert "new_name" in text(member.get(path))

    committed(account_services.profile_theme_set, user=user, theme="dark")
    assert 'data-theme="dark"' in text(member.get(path))

    committed(account_services.profile_update, user=user, locale="ru")
    html = text(member.get(path))
    assert '<html lang="ru"' in html and "Настройки" in html

    upload = SimpleUploadedFile("a.png", _png(), content_type="image/png")
    committed(account_services.profile_avatar_set, user=user, upload=upload)
    assert 'class="avatar avatar--xs" src="' in text(member.get(path))


def test_becoming_a_curator_shows_the_buttons_at_once(member, user, title):
    assert "Add a title" not in text(member.get(TITLES))
    assert "Edit" not in text(member.get(page(title.pk)))
    group, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="catalog", codename__endswith="_title"))
    user.groups.add(group)
    assert "Add a title" in text(member.get(TITLES))
    assert "Edit" in text(member.get(page(title.pk)))


def test_a_curators_changes_show_at_once_on_both_pages(member, curator, title, committed):
    for path in (TITLES, page(title.pk)):
        text(member.get(path))
        hit(member, path)
    committed(catalog_services.title_create, actor=curator, name="Tunic", type="game", release_year=2022)
    assert "Tunic" in text(member.get(TITLES))
    committed(catalog_services.title_update, actor=curator, title=title, name="Outer Wilds: Echoes")
    assert "Outer Wilds: Echoes" in text(member.get(page(title.pk)))
    assert "Outer Wilds: Echoes" in text(member.get(TITLES))


def test_a_linked_accounts_rename_shows_in_the_menu_at_once(member, user, title, committed):
    other = UserFactory(username="second_self")
    group = "5e0a3f4c-0000-4000-8000-000000000001"
    type(user).objects.filter(pk__in=[user.pk, other.pk]).update(group_uuid=group)
    from accounts.user_cache import users_changed

    users_changed(user.pk, other.pk)
    assert "second_self" in text(member.get(page(title.pk)))
    assert "second_self" in switcher_only(member.get(page(title.pk)))
    # Only the other account's row changes: the visitor's scopes keep their versions.
    committed(account_services.profile_update, user=other, username="third_self")
    html = switcher_only(member.get(page(title.pk)))
    assert "third_self" in html and "second_self" not in html


def switcher_only(response) -> str:
    """A cached page with the linked accounts drawn into it: only their templates rendered."""
    assert response.status_code == 200
    names = {t.name for t in response.templates}
    assert "catalog/title_detail.html" not in names and "linking/_switcher.html" in names
    return response.content.decode()


# --- nobody sees another visitor's parts ----------------------------------------------------


def test_another_visitor_never_sees_the_first_ones_parts(title, committed):
    a, b = UserFactory(username="alice_a"), UserFactory(username="bob_b")
    committed(review_services.review_upsert, user=a, title_id=title.pk, rating=12, text="Alice's own words")
    committed(walk_services.walk_upsert, user=a, title_id=title.pk, state="completed")
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(a)
    second.force_login(b)
    for path in (page(title.pk), TITLES):
        html_a = text(first.get(path))
        text(first.get(path))  # cached for a
        html_b = text(second.get(path))
        assert "alice_a" in html_a and "bob_b" not in html_a
        assert "bob_b" in html_b and "alice_a" not in html_b.split("</header>")[0]
        assert token_in(html_a) != token_in(html_b)
    html_b = text(second.get(page(title.pk)))
    assert "Publish review" in html_b and "Remove walk" not in html_b  # b's own (empty) state
    # b's token works for b's session; a's page never carried it.
    with_token = {"state": "playing", "csrfmiddlewaretoken": token_in(html_b)}
    assert second.post(f"/titles/{title.pk}/walk/", with_token).status_code == 302


def test_anonymous_pages_per_theme_and_language_with_their_own_token(title):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    html = text(first.get(page(title.pk)))
    assert "Sign in to track this title." in html
    hit(first, page(title.pk))
    response = hit(second, page(title.pk))
    assert "csrftoken" in response.cookies  # a new visitor gets a secret of their own
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    # Each visitor's token is valid for their own secret (the theme form of the layout).
    for client, html in ((first, text(first.get(page(title.pk)))), (second, response.content.decode())):
        answer = client.post("/settings/theme/", {"theme": "dark", "next": "/", "csrfmiddlewaretoken": token_in(html)})
        assert answer.status_code == 302
    # The theme and the language chosen by cookie give their own pages.
    assert 'data-theme="dark"' in text(first.get(page(title.pk)))
    second.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    html = text(second.get(page(title.pk)))
    assert '<html lang="ru"' in html and "Войти" in html
    assert 'data-theme="dark"' in html  # second's own theme cookie, set above


# --- CSRF and messages per request ------------------------------------------------------


@pytest.mark.parametrize("path", [TITLES, "title"])
def test_the_token_in_a_cached_page_is_accepted_by_a_post(member, user, title, path):
    path = page(title.pk) if path == "title" else path
    text(member.get(path))
    html = hit(member, path).content.decode()
    assert "@csrf@" not in html
    # The same person in another browser (another CSRF secret) gets the same
    # cached page, with a token valid for that browser's secret.
    other_browser = Client(enforce_csrf_checks=True)
    other_browser.force_login(user)
    other_browser.get("/")  # its own CSRF cookie
    other_html = hit(other_browser, path).content.decode()
    assert other_browser.cookies["csrftoken"].value != member.cookies["csrftoken"].value

    for client, page_html in ((member, html), (other_browser, other_html)):
        form = {"theme": "light", "next": path, "csrfmiddlewaretoken": token_in(page_html)}
        assert client.post("/settings/theme/", form).status_code == 302


def test_messages_after_a_post_appear_and_are_not_cached_away(member, title, django_capture_on_commit_callbacks):
    token = token_in(text(member.get(page(title.pk))))
    hit(member, page(title.pk))
    with django_capture_on_commit_callbacks(execute=True):
        answer = member.post(f"/titles/{title.pk}/walk/", {"state": "completed", "csrfmiddlewaretoken": token})
    assert answer.status_code == 302
    html = text(member.get(page(title.pk)))
    assert "Marked as" in html and 'class="flash' in html
    # Shown once: the next answer has no message, and none was stored with it.
    html = text(member.get(page(title.pk)))
    assert "Marked as" not in html
    assert "Marked as" not in hit(member, page(title.pk)).content.decode()

    token = token_in(text(member.get(TITLES)))
    with django_capture_on_commit_callbacks(execute=True):
        member.post("/settings/theme/", {"theme": "dark", "next": TITLES, "csrfmiddlewaretoken": token})
        other = TitleFactory()
        answer = member.post(f"/titles/{other.pk}/watchlist/", {"action": "add", "csrfmiddlewaretoken": token})
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    assert "Added to your watchlist." in text(member.get(TITLES))
    assert "Added to your watchlist." not in text(member.get(TITLES))


def test_a_rejected_review_shows_its_errors_then_the_page_caches_again(member, title):
    token = token_in(text(member.get(page(title.pk))))
    hit(member, page(title.pk))
    answer = member.post(
        f"/titles/{title.pk}/review/", {"rating": "250", "text": "Too high", "csrfmiddlewaretoken": token}
    )
    assert answer.status_code == 302
    html = text(member.get(page(title.pk)))
    assert "Too high" in html and "field--error" in html
    html = text(member.get(page(title.pk)))
    assert "Too high" not in html
    hit(member, page(title.pk))


# --- headers --------------------------------------------------------------------------


@pytest.mark.parametrize("path", [TITLES, "title"])
def test_headers_of_a_cached_page(member, client, title, path):
    path = page(title.pk) if path == "title" else path
    for visitor in (member, client):
        first, second = visitor.get(path), visitor.get(path)
        assert second.templates == []
        for response in (first, second):
            assert "Cookie" in response["Vary"] and "Accept-Language" in response["Vary"]
            assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "private" in member.get(path)["Cache-Control"]
    assert "Cache-Control" not in client.get(path)


# --- query counts ---------------------------------------------------------------------


@pytest.mark.parametrize("n", [3, 40])
def test_query_counts_cold_and_warm(member, user, django_assert_max_num_queries, django_assert_num_queries, n):
    titles = Title.objects.bulk_create(
        Title(name=f"G{i}", name_key=f"g{i}", type="game", release_year=2000) for i in range(n)
    )
    hot = titles[0]
    people = UserFactory.create_batch(min(n, 12))
    for person in people:
        ReviewFactory(user=person, title=hot)
        WalkFactory(user=person, title=hot)
    Walk.objects.create(user=user, title=hot, state="completed")
    member.get("/")  # the session and the user in the cache, as for any signed-in visitor

    # Cold, the titles page: its results (the page of titles; the count of the
    # type) and the layout's curator check.
    with django_assert_max_num_queries(4):
        text(member.get(TITLES))
    # Cold, the title page: the title (with its external ids), the visitor's
    # walk and review, the watchlist check, the histogram, the reviews and
    # walks (a page each, with their people), the curator check.
    with django_assert_max_num_queries(10):
        text(member.get(page(hot.pk)))
    # Warm: nothing at all, and no template.
    for path in (TITLES, page(hot.pk)):
        with django_assert_num_queries(0):
            hit(member, path)


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (64, 64), (200, 50, 50)).save(buffer, format="PNG")
    return buffer.getvalue()
