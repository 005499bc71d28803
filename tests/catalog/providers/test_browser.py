from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from catalog.models import Title
from tests.catalog.test_browser import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("screen", ["page", "mobile_page"])
def test_search_add_from_anilist_and_see_the_title_with_its_cover(screen, request, transactional_db, fake_anilist):
    page = request.getfixturevalue(screen)
    sign_in(page, UserFactory(username="adder"))

    page.goto(f"{page.base}/titles/?type=anime")
    page.get_by_role("searchbox", name="Search by name").fill("bebop")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".result-count")).to_contain_text("0 titles")
    page.get_by_role("link", name="Search AniList").click()

    results = page.locator(".provider-result")
    expect(results.first).to_contain_text("Cowboy Bebop")
    expect(results.first).to_contain_text("1998")
    expect(results.first.locator("img")).to_have_attribute("src", f"{fake_anilist.base}/images/bebop.png")
    page.screenshot(path=f"/tmp/providers-{screen}-search.png", full_page=True)
    page.get_by_role("button", name="Add Cowboy Bebop", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Cowboy Bebop")
    expect(page.get_by_role("status").first).to_contain_text("was added to the catalogue")
    title = Title.objects.get(name="Cowboy Bebop")
    cover = page.locator(".title-hero__cover")
    expect(cover).to_have_attribute("src", re.compile(r"/media/covers/.+\.webp$"))
    assert title.cover.name.endswith(".webp")
    # The cover really loaded (not a broken image).
    assert cover.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_test_id("external-ids")).to_contain_text("AniList")
    page.screenshot(path=f"/tmp/providers-{screen}-title.png", full_page=True)

    # Adding again from the search lands on the same title.
    page.goto(f"{page.base}/titles/?type=anime&q=cowboy&remote=1")
    expect(page.locator(".provider-result").first.get_by_role("link", name="In Walks")).to_be_visible()
    assert Title.objects.count() == 1


def test_a_provider_down_says_so_and_the_page_answers(page, transactional_db, fake_anilist):
    fake_anilist.down = True
    page.goto(f"{page.base}/titles/?type=anime&q=bebop&remote=1")
    expect(page.get_by_test_id("provider-unavailable")).to_contain_text("AniList is unavailable")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
