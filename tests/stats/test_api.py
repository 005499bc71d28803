from __future__ import annotations

import pytest
from django.utils import timezone

from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_statistics_api_gives_the_pages_figures(auth_client):
    person = UserFactory()
    WalkFactory(user=person, title=TitleFactory(type="film", release_year=1979))
    ReviewFactory(user=person, rating=81)
    response = auth_client.get(f"/api/v1/user/{person.pk}/stats")
    assert response.status_code == 200
    data = response.json()
    assert data["walks_total"] == 1 and data["reviews_total"] == 1
    assert data["decades"] == [{"decade": 1970, "walks": 1}]
    assert data["rating_histogram"]["counts"][8] == 1
    assert {"activity_by_month", "heatmap", "streak", "completion_rate", "mean", "top_rated"} <= set(data)


def test_the_year_api(auth_client):
    person = UserFactory()
    WalkFactory(user=person, state="hundred_percent")
    year = timezone.localdate().year
    data = auth_client.get(f"/api/v1/user/{person.pk}/year/{year}").json()
    assert data["year"] == year and data["hundred_percent"] == 1 and data["finished_total"] == 1
    assert auth_client.get(f"/api/v1/user/{person.pk}/year/1800").json()["code"] == "year_not_found"


def test_a_missing_person_is_a_404(auth_client):
    response = auth_client.get("/api/v1/user/999999/stats")
    assert response.status_code == 404 and response.json()["code"] == "user_not_found"
