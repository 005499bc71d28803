"""Issue 16's last words and layout fixes, as the browser shows them: a
Russian mean on a phone stays on one line, filters do not wrap, state labels
fit the type, dates read «1 декабря 2026», and nothing widens the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from reviews.models import Review
from reviews.services import title_rating_recompute
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory

from .helpers import new_context, sign_in

pytestmark = pytest.mark.browser

LINES = """el => {
    const cs = getComputedStyle(el);
    const inner = el.getBoundingClientRect().height
        - ['paddingTop', 'paddingBottom', 'borderTopWidth', 'borderBottomWidth'].reduce((n, k) => n + parseFloat(cs[k]), 0);
    return Math.round(inner / (parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.2));
}"""


@pytest.fixture
def russian_reader(transactional_db):
    person = UserFactory(username="mira", locale="ru")
    title = TitleFactory(name="Disco Elysium", type="game", release_year=2019)
    for rating in (90, 93):
        ReviewFactory(title=title, rating=rating)
    title_rating_recompute(title_id=title.pk)
    Review.objects.update(updated_at=datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    WalkFactory(user=person, title=title, state="in_progress")
    WalkFactory(user=person, title=TitleFactory(name="Stalker", type="film"), state="completed")
    return person, title


def test_a_russian_phone_reads_the_title_page_in_its_own_words(_browser, live_server, russian_reader):
    person, title = russian_reader
    context, page = new_context(_browser, live_server.url, screen="phone", locale="ru-RU")
    try:
        sign_in(page, person)
        page.goto(f"{page.base}/titles/{title.pk}/")
        value = page.get_by_test_id("rating-value")
        expect(value).to_have_text("91,5")
        assert value.evaluate(LINES) == 1  # not "91," over "5"
        histogram = page.locator(".histogram").first
        box, card = histogram.bounding_box(), page.locator(".title-hero").bounding_box()
        assert box["x"] + box["width"] <= card["x"] + card["width"]  # not off the card's edge
        for label in ("Играю", "Пройдено", "100%"):
            expect(page.locator(".state-picker").get_by_role("button", name=label, exact=True)).to_be_visible()
        expect(page.locator("time").first).to_have_text("1 декабря 2026")
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

        page.goto(f"{page.base}/u/mira/")
        for pill in page.locator(".pills .pill").all():
            assert pill.evaluate(LINES) == 1, pill.inner_text()  # "В процессе" on one line
        expect(page.locator(".title-card__state", has_text="Играю")).to_be_visible()
        expect(page.locator(".title-card__state", has_text="Просмотрено")).to_be_visible()
        badge = page.locator(".title-card__state").first
        assert badge.evaluate(LINES) == 1
        assert badge.bounding_box()["width"] < page.locator(".title-card").first.bounding_box()["width"] * 0.8
    finally:
        context.close()
