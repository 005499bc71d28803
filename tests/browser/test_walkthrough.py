"""A newcomer's walk-through (issue 16): each defect found, as a browser test."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Profile
from reviews.models import Review
from reviews.services import title_rating_recompute
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory

from .helpers import admin_sign_in, new_context, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def person(transactional_db):
    return UserFactory(username="newcomer")


def test_tab_titles_are_separated(page, person):
    title = TitleFactory(name="Disco Elysium")
    page.goto(f"{page.base}/titles/{title.pk}/")
    assert page.title() == "Disco Elysium · Walks"


def test_phone_menu_is_a_button_reachable_by_keyboard_and_escape_closes_it(mobile_page, person):
    page = mobile_page
    sign_in(page, person)
    page.goto(page.base + "/")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Settings")).to_be_hidden()
    # Tab from the top: skip link, brand, then the menu button
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    for name in ("Titles", "Settings"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(page.get_by_role("link", name="Settings")).to_be_hidden()


def test_a_rejected_review_leaves_a_page_whose_links_work(page, person):
    title = TitleFactory(name="Hades")
    ReviewFactory(title=title, rating=80)
    sign_in(page, person)
    page.goto(f"{page.base}/titles/{title.pk}/")
    page.get_by_label("Your rating").fill("500")
    page.get_by_role("button", name="Publish review").click()
    expect(page.locator("#my-review .errorlist")).to_be_visible()
    assert "/review/" not in page.url
    assert not Review.objects.filter(user=person).exists()
    # every link of the page still answers
    page.get_by_role("link", name=re.compile("Highest|Lowest|Newest", re.I)).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hades")


def test_a_new_review_has_no_rating_until_one_is_picked(page, person):
    title = TitleFactory(name="Celeste")
    sign_in(page, person)
    page.goto(f"{page.base}/titles/{title.pk}/")
    expect(page.get_by_label("Your rating")).to_have_value("")
    page.get_by_role("button", name="Publish review").click()
    expect(page.locator("#my-review .errorlist")).to_be_visible()
    assert not Review.objects.filter(user=person).exists()


def test_anchors_land_below_the_sticky_header_and_the_confirmation_is_in_view(page, person):
    title = TitleFactory(name="Outer Wilds")
    sign_in(page, person)
    page.goto(f"{page.base}/titles/{title.pk}/")
    page.get_by_label("Your rating").fill("90")
    page.get_by_role("button", name="Publish review").click()
    expect(page).to_have_url(re.compile("#my-review$"))
    flash = page.get_by_role("status").filter(has_text="Your review was published.")
    expect(flash).to_be_in_viewport()
    header_bottom = page.locator(".topbar").bounding_box()["y"] + page.locator(".topbar").bounding_box()["height"]
    box = page.locator("#my-review").bounding_box()
    assert box["y"] >= header_bottom - 1, (box, header_bottom)


def test_profile_cards_show_the_owners_score_and_catalogue_cards_the_labelled_mean(page, person):
    title = TitleFactory(name="Disco Elysium")
    WalkFactory(user=person, title=title)
    ReviewFactory(user=person, title=title, rating=64)
    ReviewFactory(title=title, rating=81)
    ReviewFactory(title=title, rating=73)
    title_rating_recompute(title_id=title.pk)  # mean 72.7
    page.goto(f"{page.base}/u/{person.pk}/")
    card = page.locator(".title-card", has_text="Disco Elysium").first
    expect(card.get_by_test_id("owner-rating")).to_have_text(re.compile(r"score\s*64"))
    expect(card).not_to_contain_text("72")
    page.goto(f"{page.base}/titles/?type=game")
    expect(page.locator(".title-card", has_text="Disco Elysium")).to_contain_text(re.compile(r"avg\s*72"))


def test_an_oversized_avatar_is_refused_before_upload(page, person, tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + b"\0" * (6 * 1024 * 1024))
    sign_in(page, person)
    page.goto(f"{page.base}/settings/")
    page.get_by_label("New avatar").set_input_files(str(big))
    expect(page.get_by_role("alert").filter(has_text="too large")).to_be_visible()
    expect(page.get_by_label("New avatar")).to_have_value("")


def test_an_oversized_post_answers_on_the_form_still_signed_in(page, person, tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + b"\0" * (6 * 1024 * 1024))
    sign_in(page, person)
    page.goto(f"{page.base}/settings/")
    # past the browser's own check (a person without JavaScript, an old browser)
    page.evaluate(
        "() => document.querySelectorAll('input[type=file]').forEach(i => i.removeAttribute('data-max-bytes'))"
    )
    page.evaluate("() => document.querySelectorAll('.file-note').forEach(n => n.remove())")
    page.locator("input[type=file]").evaluate("i => i.replaceWith(i.cloneNode())")
    page.locator("input[type=file]").set_input_files(str(big))
    page.locator("#avatar").get_by_role("button", name=re.compile("Upload", re.I)).click()
    expect(page.locator("#avatar .errorlist")).to_contain_text("too large")
    expect(page.locator(".topbar")).to_contain_text("newcomer")
    assert not Profile.objects.get(user=person).avatar


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("amelie", "Amélie"),
        ("zelda breath", "The Legend of Zelda: Breath of the Wild"),
        ("god father", "The Godfather"),
        ("godfahter", "The Godfather"),
    ],
)
def test_search_folds_accents_takes_words_in_any_order_and_a_typo(page, person, query, found):
    for name, type_ in [
        ("Amélie", "film"),
        ("The Legend of Zelda: Breath of the Wild", "game"),
        ("The Godfather", "film"),
        ("Heat", "film"),
    ]:
        TitleFactory(name=name, type=type_)
    type_ = "game" if "zelda" in query else "film"
    page.goto(f"{page.base}/titles/?type={type_}")
    page.get_by_role("searchbox").fill(query)
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".title-card")).to_have_count(1)
    expect(page.locator(".title-card")).to_contain_text(found)


def test_tabs_keep_the_query_and_sort_and_show_their_counts(page, person):
    TitleFactory(name="The Last of Us", type="series")
    TitleFactory(name="The Last of Us Part II", type="series")
    page.goto(f"{page.base}/titles/?type=game&sort=-rating")
    page.get_by_role("searchbox").fill("the last of us")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("tab-count-game")).to_have_text("0")
    expect(page.get_by_test_id("tab-count-series")).to_have_text("2")
    page.get_by_role("link", name=re.compile("Series")).click()
    expect(page).to_have_url(re.compile(r"q=the\+last\+of\+us"))
    expect(page).to_have_url(re.compile(r"sort=-rating"))
    expect(page.locator(".title-card")).to_have_count(2)


def test_dark_mode_follows_the_system_and_the_switch_is_remembered(_browser, live_server, person):
    context, page = new_context(_browser, live_server.url, color_scheme="dark")
    try:
        page.goto(page.base + "/")
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(20, 19, 17)"  # the dark --bg, from prefers-color-scheme
        # a visitor's choice is a cookie
        page.get_by_role("button", name="Theme: light").click()
        expect(page.locator("html")).to_have_attribute("data-theme", "light")
        assert page.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(246, 244, 240)"
        # a person's is their profile's, on any device
        sign_in(page, person)
        page.goto(page.base + "/")
        page.get_by_role("button", name="Theme: dark").click()
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
        assert Profile.objects.get(user=person).theme == "dark"
    finally:
        context.close()
    context, page = new_context(_browser, live_server.url, color_scheme="light")
    try:
        sign_in(page, person)
        page.goto(page.base + "/settings/")
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    finally:
        context.close()


def test_the_django_admin_works_under_the_csp(_browser, live_server, transactional_db):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    title = TitleFactory(name="Admin Title")
    context, page = new_context(_browser, live_server.url)
    try:
        admin_sign_in(page, admin)
        for path in (
            "/admin/",
            "/admin/catalog/title/",
            f"/admin/catalog/title/{title.pk}/change/",
            "/admin/staff/staff/",
            "/admin/staff/staff/add/",
            "/admin/accounts/user/",
        ):
            response = page.goto(page.base + path)
            assert response.status == 200 and response.url == page.base + path, path
        page.goto(f"{page.base}/admin/catalog/title/{title.pk}/change/")
        page.locator("input[name=name]").fill("Admin Title Renamed")
        page.locator("input[name=_save]").click()
        expect(page.locator(".messagelist")).to_be_visible()
        assert not page.csp_violations, page.csp_violations
    finally:
        context.close()
