from __future__ import annotations

import re

import pytest
from django.utils import timezone

from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mira():
    person = UserFactory(username="Mira")
    WalkFactory(user=person, title=TitleFactory(name="Dark Souls", type="game", release_year=2011))
    WalkFactory(user=person, title=TitleFactory(name="Akira", type="anime", release_year=1988), state="hundred_percent")
    ReviewFactory(user=person, title=TitleFactory(name="Stalker", type="film"), rating=96)
    return person


def test_the_statistics_page_draws_every_chart_with_a_table_beside_it(client, mira):
    response = client.get("/u/Mira/stats/")
    assert response.status_code == 200
    html = response.content.decode()
    for chart in ("by-type", "ratings", "comparison", "decades", "months", "heatmap"):
        assert f'data-chart="{chart}"' in html
    assert html.count("<table") == 6 and html.count("<svg") == 6
    # no inline script or style (the site's own script file is fine: the CSP allows 'self')
    assert "Stalker" in html and not re.search(r"<script(?![^>]*\bsrc=)", html) and "style=" not in html


def test_the_page_answers_any_case_at_the_persons_own_spelling(client, mira):
    response = client.get("/u/mira/stats/")
    assert response.status_code == 302 and response["Location"] == "/u/Mira/stats/"
    assert client.get("/u/nobody/stats/").status_code == 404


def test_the_page_in_russian(client, mira):
    client.cookies["django_language"] = "ru"
    html = client.get("/u/Mira/stats/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Статистика" in html


def test_the_year_in_review_with_open_graph_tags_and_its_card(client, mira):
    year = timezone.localdate().year
    response = client.get(f"/u/Mira/year/{year}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'property="og:title"' in html and f"/u/Mira/year/{year}/card.png" in html
    assert "Akira" in html and "Dark Souls" in html and 'data-chart="year-months"' in html
    card = client.get(f"/u/Mira/year/{year}/card.png")
    assert card.status_code == 200 and card["Content-Type"] == "image/png"
    assert card.content[:8] == b"\x89PNG\r\n\x1a\n"
    from io import BytesIO

    from PIL import Image

    assert Image.open(BytesIO(card.content)).size == (1200, 630)


def test_a_year_out_of_range_is_a_404(client, mira):
    assert client.get("/u/Mira/year/1969/").status_code == 404
    assert client.get(f"/u/Mira/year/{timezone.localdate().year + 1}/").status_code == 404


@pytest.mark.parametrize("walks", [3, 60])
def test_the_page_takes_the_same_queries_at_two_sizes(client, walks, django_assert_max_num_queries):
    person = UserFactory(username="heavy")
    for title in TitleFactory.create_batch(walks):
        WalkFactory(user=person, title=title)
        ReviewFactory(user=person, title=title, rating=walks)
    # the person, then the five of the statistics (cold cache), the session none (anonymous)
    with django_assert_max_num_queries(6):
        assert client.get("/u/heavy/stats/").status_code == 200
    # warm: only the person
    with django_assert_max_num_queries(1):
        assert client.get("/u/heavy/stats/").status_code == 200


def test_chart_geometry_is_not_localised(client, mira):
    """Russian writes 464,0 for 464.0: an SVG length must stay 464.0."""
    import re

    client.cookies["django_language"] = "ru"
    html = client.get("/u/Mira/stats/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert not re.search(r'(x|y|width|height)="[0-9]+,[0-9]', html)
    title_html = client.get(f"/titles/{mira.reviews.first().title_id}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert not re.search(r'(x|y|width|height)="[0-9]+,[0-9]', title_html)
