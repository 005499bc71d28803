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


@pytest.mark.parametrize("walks", [1, 40])
def test_a_warm_statistics_answer_is_read_from_the_cache_at_two_sizes(auth_client, walks, django_assert_num_queries):
    person = UserFactory()
    WalkFactory.create_batch(walks, user=person)
    first = auth_client.get(f"/api/v1/user/{person.pk}/stats")
    assert first.json()["walks_total"] == walks
    with django_assert_num_queries(0):  # the person, their visibility and the answer all from the cache
        again = auth_client.get(f"/api/v1/user/{person.pk}/stats")
    assert again.json() == first.json()


def test_the_persons_own_walk_shows_in_their_statistics_at_once(auth_client, django_capture_on_commit_callbacks):
    me = auth_client.user
    assert auth_client.get(f"/api/v1/user/{me.pk}/stats").json()["walks_total"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        posted = auth_client.post("/api/v1/walks", {"title_id": TitleFactory().pk, "state": "completed"}, format="json")
    assert posted.status_code == 201
    assert auth_client.get(f"/api/v1/user/{me.pk}/stats").json()["walks_total"] == 1


def test_a_deactivated_person_has_no_statistics_at_once(auth_client):
    person = UserFactory()
    assert auth_client.get(f"/api/v1/user/{person.pk}/stats").status_code == 200
    person.is_active = False
    person.save()  # the user cache drops the row on save
    response = auth_client.get(f"/api/v1/user/{person.pk}/stats")
    assert response.status_code == 404 and response.json()["code"] == "user_not_found"
