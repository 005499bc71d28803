from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from reviews.services import title_rating_recompute
from tests.factories import UserFactory
from walks.models import Walk

from .factories import ReviewFactory, TitleFactory

pytestmark = pytest.mark.browser


def sign_in(page, user) -> None:
    """A session made by Django itself, so the test does not depend on the sign-in pages."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": page.base}])


@pytest.mark.parametrize("screen", ["page", "mobile_page"])
def test_a_person_marks_a_title_completed_reviews_it_and_sees_the_rating_change(screen, request, transactional_db):
    page = request.getfixturevalue(screen)
    title = TitleFactory(name="Hollow Knight", type="game", release_year=2017, description="A fallen insect kingdom.")
    ReviewFactory(title=title, rating=60, text="Hard but fair")
    title_rating_recompute(title_id=title.pk)
    person = UserFactory(username="walker")
    sign_in(page, person)

    page.goto(f"{page.base}/titles/?type=game")
    page.get_by_role("link", name=re.compile("Hollow Knight")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hollow Knight")
    expect(page.get_by_test_id("rating-value")).to_have_text("60")
    expect(page.get_by_test_id("rating-count")).to_have_text("1 rating")

    page.get_by_role("button", name="Beaten").click()
    expect(page.get_by_role("button", name="Beaten")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("status").first).to_contain_text("Beaten")
    assert Walk.objects.get(user=person, title=title).state == "completed"

    page.get_by_label("Your rating").fill("90")
    page.get_by_label("Your review").fill("One of the best metroidvanias.")
    page.get_by_role("button", name="Publish review").click()

    expect(page.get_by_test_id("rating-value")).to_have_text("75")
    expect(page.get_by_test_id("rating-count")).to_have_text("2 ratings")
    expect(page.locator("#reviews")).to_contain_text("One of the best metroidvanias.")
    expect(page.locator("#walks")).to_contain_text("walker")

    # Change of mind: a lower score moves the mean again.
    page.get_by_text("Edit your review").click()
    page.get_by_label("Your rating").fill("70")
    page.get_by_role("button", name="Save review").click()
    expect(page.get_by_test_id("rating-value")).to_have_text("65")
