"""Small things a newcomer met (issue 16, item 12): the favicon, the greeting,
stylesheets in <head>, the title page's own state and score."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_favicon_ico_answers(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


def test_a_brand_new_person_is_welcomed_not_welcomed_back(client):
    new = UserFactory(last_auth_at=timezone.now())
    client.force_login(new)
    html = client.get("/").content.decode()
    assert "Welcome" in html and "Welcome back" not in html
    old = UserFactory(joined_at=timezone.now() - timedelta(days=30), last_auth_at=timezone.now())
    client.force_login(old)
    assert "Welcome back" in client.get("/").content.decode()


def test_no_stylesheet_inside_body(client):
    person = UserFactory()
    WalkFactory(user=person)
    client.force_login(person)
    for path in ("/", "/settings/linked-accounts/", f"/u/{person.profile.username}/"):
        body = client.get(path).content.decode().split("<body", 1)[1]
        assert 'rel="stylesheet"' not in body, path


def test_title_page_shows_year_type_and_the_persons_own_state_and_score(client):
    person = UserFactory()
    title = TitleFactory(name="Hades", release_year=2020)
    WalkFactory(user=person, title=title, state="completed")
    ReviewFactory(user=person, title=title, rating=88)
    client.force_login(person)
    html = client.get(f"/titles/{title.pk}/").content.decode()
    assert 'data-testid="release-year">2020<' in html
    mine = html.split('data-testid="mine"', 1)[1].split("</div>", 1)[0]
    assert "Beaten" in mine and "88" in mine  # a game: its own word (walks.labels)
