"""The title's rating histogram: the API's detail and the title page."""

from __future__ import annotations

import pytest

from reviews.services import title_rating_recompute
from tests.catalog.factories import ReviewFactory, TitleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def title():
    title = TitleFactory(name="Ico")
    for rating in (0, 9, 10, 55, 59, 90, 100, 100):
        ReviewFactory(title=title, rating=rating)
    title_rating_recompute(title_id=title.pk)
    return title


def test_the_title_detail_carries_its_rating_histogram(auth_client, title):
    data = auth_client.get(f"/api/v1/titles/{title.pk}").json()
    assert data["rating_histogram"] == [2, 1, 0, 0, 0, 2, 0, 0, 0, 3]
    assert sum(data["rating_histogram"]) == data["rating_count"] == 8


def test_a_new_review_shows_in_the_histogram_at_once(auth_client, title, django_capture_on_commit_callbacks):
    auth_client.get(f"/api/v1/titles/{title.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.post("/api/v1/reviews", {"title_id": title.pk, "rating": 75}, format="json")
    assert auth_client.get(f"/api/v1/titles/{title.pk}").json()["rating_histogram"][7] == 1


def test_the_title_page_draws_it_beside_the_mean_with_a_table(client, title):
    html = client.get(f"/titles/{title.pk}/").content.decode()
    assert 'data-testid="rating-histogram"' in html
    assert html.count('class="histogram__bar"') == 10
    assert '<th scope="row">90–100</th><td>3</td>' in html


def test_no_histogram_without_reviews(client):
    html = client.get(f"/titles/{TitleFactory().pk}/").content.decode()
    assert "rating-histogram" not in html
