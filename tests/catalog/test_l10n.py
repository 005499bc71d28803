"""One date format and localised numbers on pages (issue 16, item 12):
«1 декабря 2026» and "72,8" in Russian, "1 Dec 2026" and "72.8" in English;
the API keeps ISO dates and dots."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catalog.models import Title
from reviews.models import Review
from reviews.services import title_rating_recompute
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory
from walks.models import Walk

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def reviewed():
    """A title rated 72.8 on average, a review and a walk dated 1 December 2026."""
    title = TitleFactory(name="Disco Elysium", type="game")
    author = UserFactory(username="mira")
    for rating in (64, 70, 70, 80, 80):
        ReviewFactory(title=title, rating=rating, user=author if rating == 64 else UserFactory())
    title_rating_recompute(title_id=title.pk)
    WalkFactory(user=author, title=title)
    Review.objects.update(updated_at=WHEN)
    Walk.objects.update(updated_at=WHEN)
    assert Title.objects.get(pk=title.pk).rating == pytest.approx(72.8)
    return title, author


@pytest.mark.parametrize(
    ("locale", "date", "mean"),
    [("en", "1 Dec 2026", "72.8"), ("ru", "1 декабря 2026", "72,8")],
)
def test_title_page_dates_and_mean_follow_the_language(client, reviewed, locale, date, mean):
    title, author = reviewed
    client.force_login(UserFactory(locale=locale))
    html = client.get(f"/titles/{title.pk}/").content.decode()
    assert f'data-testid="rating-value">{mean}</span>' in html
    assert f">{date}</time>" in html
    if locale == "ru":
        assert "Дек" not in html  # no capitalised abbreviation left anywhere


@pytest.mark.parametrize(("locale", "date"), [("en", "1 Dec 2026"), ("ru", "1 декабря 2026")])
def test_the_owner_s_pages_use_the_same_date_format(client, reviewed, locale, date):
    _title, author = reviewed
    author.locale = locale
    author.save(update_fields=["locale"])
    client.force_login(author)
    profile = client.get("/u/mira/").content.decode()
    assert f">{date}</time>" in profile  # the review list
    home = client.get("/").content.decode()
    assert f">{date.rsplit(' ', 1)[0]}</time>" in home  # recent walks: day and month


def test_the_api_keeps_dots_and_iso_dates(client, reviewed):
    title, _author = reviewed
    client.force_login(UserFactory(locale="ru"))
    body = client.get(f"/api/v1/titles/{title.pk}").json()
    assert body["rating"] == pytest.approx(72.8)
    assert "72,8" not in client.get(f"/api/v1/titles/{title.pk}").content.decode()
