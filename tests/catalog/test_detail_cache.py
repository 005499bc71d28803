"""GET /api/v1/titles/{id} cached whole per (caller, title): a warm hit reads
nothing, and every write that changes what the answer shows shows at once."""

from __future__ import annotations

import pytest

from catalog.models import Title
from catalog.services import title_delete, title_update
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.conftest import jwt_client_for, session_client_for
from tests.factories import UserFactory

API = "/api/v1"


@pytest.fixture(params=["jwt", "session"])
def me(request, db):
    user = UserFactory()
    client = jwt_client_for(user) if request.param == "jwt" else session_client_for(user)
    client.user = user
    return client


def detail(client, title):
    response = client.get(f"{API}/titles/{title.pk}")
    assert response.status_code == 200, response.content
    return response.json()


def warm(client, title):
    detail(client, title)
    return detail(client, title)


def test_a_warm_detail_makes_no_query_and_serialises_nothing(me, django_assert_num_queries, monkeypatch):
    title = TitleFactory()
    WalkFactory(user=me.user, title=title)
    before = warm(me, title)
    monkeypatch.setattr("catalog.api_views._title_payload", lambda *a, **k: pytest.fail("serialised again"))
    with django_assert_num_queries(0):
        assert detail(me, title) == before


def test_my_walk_shows_at_once(me, committed):
    title = TitleFactory()
    assert warm(me, title)["walk"] is None
    created = committed(lambda: me.post(f"{API}/walks", {"title_id": title.pk, "state": "in_progress"}, format="json"))
    assert created.status_code == 201
    assert detail(me, title)["walk"]["state"] == "in_progress"
    walk_id = created.json()["id"]
    assert (
        committed(lambda: me.patch(f"{API}/walks/{walk_id}", {"state": "completed"}, format="json")).status_code == 200
    )
    assert detail(me, title)["walk"]["state"] == "completed"
    assert committed(lambda: me.delete(f"{API}/walks/{walk_id}")).status_code == 204
    assert detail(me, title)["walk"] is None


def test_my_review_its_rating_and_the_histogram_show_at_once(me, committed):
    title = TitleFactory()
    first = warm(me, title)
    assert first["review"] is None and first["rating_histogram"] == [0] * 10
    created = committed(
        lambda: me.post(f"{API}/reviews", {"title_id": title.pk, "rating": 85, "text": "Yes."}, format="json")
    )
    assert created.status_code == 201
    shown = detail(me, title)
    assert shown["review"]["rating"] == 85
    assert shown["rating_histogram"][8] == 1
    assert shown["rating_count"] == 1 and shown["rating"] == 85  # the drain ran eagerly and bumped the title
    review_id = created.json()["id"]
    assert committed(lambda: me.patch(f"{API}/reviews/{review_id}", {"rating": 20}, format="json")).status_code == 200
    shown = detail(me, title)
    assert shown["review"]["rating"] == 20 and shown["rating_histogram"][2] == 1
    assert committed(lambda: me.delete(f"{API}/reviews/{review_id}")).status_code == 204
    shown = detail(me, title)
    assert shown["review"] is None and shown["rating_histogram"] == [0] * 10


def test_someone_elses_review_changes_the_histogram_but_not_my_review(me, committed):
    title = TitleFactory()
    warm(me, title)
    other = jwt_client_for(UserFactory())
    assert (
        committed(lambda: other.post(f"{API}/reviews", {"title_id": title.pk, "rating": 40}, format="json")).status_code
        == 201
    )
    shown = detail(me, title)
    assert shown["review"] is None and shown["rating_histogram"][4] == 1 and shown["rating_count"] == 1


def test_a_curators_change_and_a_deletion_show_at_once(me, committed):
    title = TitleFactory(name="Before")
    warm(me, title)
    curator = UserFactory(is_staff=True, is_superuser=True)
    committed(lambda: title_update(actor=curator, title=title, name="After"))
    assert detail(me, title)["name"] == "After"
    committed(lambda: title_delete(actor=curator, title=Title.objects.get(pk=title.pk)))
    response = me.get(f"{API}/titles/{title.pk}")
    assert response.status_code == 404 and response.json()["code"] == "title_not_found"


def test_each_caller_has_their_own_answer(me):
    title = TitleFactory()
    ReviewFactory(user=me.user, title=title, rating=60)
    other = jwt_client_for(UserFactory())
    assert warm(me, title)["review"]["rating"] == 60
    assert warm(other, title)["review"] is None
    assert detail(me, title)["review"]["rating"] == 60


def test_the_detail_keeps_its_etag(me, committed):
    title = TitleFactory()
    warm(me, title)
    first = me.get(f"{API}/titles/{title.pk}")
    assert me.get(f"{API}/titles/{title.pk}", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert (
        committed(
            lambda: me.post(f"{API}/walks", {"title_id": title.pk, "state": "completed"}, format="json")
        ).status_code
        == 201
    )
    assert me.get(f"{API}/titles/{title.pk}", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_an_unknown_title_is_a_404_every_time(me):
    for _ in range(2):
        response = me.get(f"{API}/titles/999999")
        assert response.status_code == 404 and response.json()["code"] == "title_not_found"
