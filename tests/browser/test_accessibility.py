"""Every page, as people find it: axe-core finds no serious or critical WCAG
2.1 A/AA violation and the browser reports no Content-Security-Policy
violation, signed out and in, on a desktop and a phone, in English and
Russian. One test per page runs the four screen × language combinations in a
loop, so the run stays bounded."""

from __future__ import annotations

import pytest

from catalog.permissions import CURATORS_GROUP
from reviews.services import title_rating_recompute
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory

from .helpers import axe_violations, new_context, sign_in

pytestmark = pytest.mark.browser

COMBINATIONS = [(screen, lang) for screen in ("desktop", "phone") for lang in ("en", "ru")]


@pytest.fixture
def world(transactional_db):
    from django.contrib.auth.models import Group

    title = TitleFactory(name="Disco Elysium", type="game", release_year=2019, description="A detective RPG.")
    TitleFactory(name="Amélie", type="film", release_year=2001)
    people = {lang: UserFactory(username=f"reader-{lang}", locale=lang) for lang in ("en", "ru")}
    for person in people.values():
        WalkFactory(user=person, title=title, state="in_progress")
        ReviewFactory(user=person, title=title, rating=64, text="Dense and brilliant.")
        person.groups.add(Group.objects.get_or_create(name=CURATORS_GROUP)[0])
    title_rating_recompute(title_id=title.pk)
    return {"title": title, "people": people}


def _paths(world) -> dict[str, str]:
    title = world["title"]
    return {
        "home": "/",
        "titles": "/titles/?type=game",
        "title": f"/titles/{title.pk}/",
        "profile": "/u/{uid}/",
        "settings": "/settings/",
        "password": "/settings/password/",
        "email": "/settings/email/",
        "linked": "/settings/linked-accounts/",
        "title_new": "/titles/new/?type=game",
        "title_edit": f"/titles/{title.pk}/edit/",
        "title_cover": f"/titles/{title.pk}/cover/",
        "signin": "/signin/",
        "signup": "/signup/",
        "restore": "/password/restore/",
        "activate": "/activate/",
        "privacy": "/privacy/",
        "not_found": "/no-such-page/",
        "profile_edit": "/profile/edit/",
    }


SIGNED_IN = [
    "home",
    "titles",
    "title",
    "profile",
    "settings",
    "password",
    "email",
    "linked",
    "title_new",
    "title_edit",
    "title_cover",
    "activate",
    "profile_edit",
]
SIGNED_OUT = [
    "home",
    "titles",
    "title",
    "profile",
    "signin",
    "signup",
    "restore",
    "activate",
    "privacy",
    "not_found",
    "profile_edit",
]


def _check(browser, live_server, world, name: str, *, signed_in: bool, color_scheme: str = "light"):
    problems = []
    for screen, lang in COMBINATIONS:
        person = world["people"][lang]
        context, page = new_context(
            browser,
            live_server.url,
            screen=screen,
            locale="ru-RU" if lang == "ru" else "en-US",
            color_scheme=color_scheme,
        )
        try:
            if signed_in:
                sign_in(page, person)
            path = _paths(world)[name].format(uid=person.pk)
            page.goto(page.base + path)
            assert page.locator("html").get_attribute("lang") == lang
            for finding in axe_violations(page):
                problems.append(f"{screen}/{lang} {path}: {finding}")
            for violation in page.csp_violations:
                problems.append(f"{screen}/{lang} {path}: CSP {violation}")
        finally:
            context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", SIGNED_OUT)
def test_signed_out_page_is_accessible_and_keeps_to_the_csp(name, _browser, live_server, world):
    _check(_browser, live_server, world, name, signed_in=False)


@pytest.mark.parametrize("name", SIGNED_IN)
def test_signed_in_page_is_accessible_and_keeps_to_the_csp(name, _browser, live_server, world):
    _check(_browser, live_server, world, name, signed_in=True)


@pytest.mark.parametrize("name", ["home", "titles", "title", "profile", "settings"])
def test_dark_pages_keep_their_contrast(name, _browser, live_server, world):
    _check(_browser, live_server, world, name, signed_in=True, color_scheme="dark")
