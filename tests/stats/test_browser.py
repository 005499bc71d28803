"""The statistics, year and feed pages in a real Chromium: the charts render
(SVG with bars), no console errors, on a laptop and a phone; screenshots of
both languages and both themes go to /tmp/social-*.png for a person to look at."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.test import Client
from django.utils import timezone

from reviews.models import Review
from reviews.services import title_rating_recompute
from social import services as social_services
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory
from walks.models import Walk

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SOCIAL_SCREENSHOTS", "/tmp")


def sign_in(page, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.base}])


def history(person, *, days: int = 200) -> None:
    """A year of walks and reviews spread over the days, of every type."""
    today = timezone.now()
    other = UserFactory()
    types = ["game", "film", "series", "anime"]
    states = ["completed", "in_progress", "hundred_percent", "completed"]
    names = ["Outer Wilds", "Stalker", "Twin Peaks", "Akira", "Hades", "Paprika", "Dune", "Ico"]
    for i in range(40):
        title = TitleFactory(name=f"{names[i % 8]} {i}", type=types[i % 4], release_year=1975 + (i * 7) % 50)
        walk = WalkFactory(user=person, title=title, state=states[i % 4])
        Walk.objects.filter(pk=walk.pk).update(updated_at=today - dt.timedelta(days=(i * 37) % days))
        if i % 2 == 0:
            review = ReviewFactory(user=person, title=title, rating=(i * 13) % 101)
            Review.objects.filter(pk=review.pk).update(updated_at=today - dt.timedelta(days=(i * 11) % days))
            ReviewFactory(user=other, title=title, rating=60)
            title_rating_recompute(title_id=title.pk)


def collect_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.mark.parametrize("screen", ["page", "mobile_page"])
def test_the_stats_and_year_pages_draw_their_charts(screen, request, transactional_db):
    page = request.getfixturevalue(screen)
    person = UserFactory(username="charted")
    history(person)
    errors = collect_errors(page)

    page.goto(f"{page.base}/u/charted/stats/")
    for name in ("by-type", "ratings", "comparison", "decades", "months", "heatmap"):
        chart = page.locator(f'svg[data-chart="{name}"]')
        assert chart.is_visible(), name
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 40, (name, box)
        assert chart.locator("rect").count() > 0, name
    assert page.locator(".visually-hidden table").count() == 6
    # Nothing wider than the screen (the heatmap scrolls inside its card).
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    page.goto(f"{page.base}/u/charted/year/{timezone.localdate().year}/")
    chart = page.locator('svg[data-chart="year-months"]')
    assert chart.is_visible() and chart.locator("rect.chart__bar").count() > 0
    assert page.locator('meta[property="og:image"]').get_attribute("content").endswith("card.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert errors == []


@pytest.mark.parametrize("screen", ["page", "mobile_page"])
def test_screenshots_in_both_languages_and_themes(screen, request, transactional_db):
    page = request.getfixturevalue(screen)
    person = UserFactory(username="charted")
    history(person)
    me = UserFactory(username="reader")
    social_services.follow_create(follower=me, followee_id=person.pk)
    sign_in(page, me)
    errors = collect_errors(page)
    year = timezone.localdate().year
    size = "phone" if screen == "mobile_page" else "desktop"
    for lang in ("en", "ru"):
        me.locale = lang  # a signed-in person's pages are in their own language
        me.save(update_fields=["locale"])
        page.context.add_cookies([{"name": "django_language", "value": lang, "url": page.base}])
        for theme in ("light", "dark"):
            page.emulate_media(color_scheme=theme)
            for name, path in (("stats", "/u/charted/stats/"), ("year", f"/u/charted/year/{year}/"), ("feed", "/")):
                page.goto(f"{page.base}{path}")
                if name == "feed":
                    assert page.get_by_test_id("feed-item").count() > 0
                assert page.locator("html").get_attribute("lang") == lang
                page.screenshot(path=f"{SHOTS}/social-{name}-{lang}-{theme}-{size}.png", full_page=True)
    assert errors == []
