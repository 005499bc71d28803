"""``GET /api/v1/user/@me/reviews?updated_since=``: the changes and the
deletions since then (core.sync)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reviews import services
from reviews.models import Review, ReviewDeletion
from tests.catalog.factories import ReviewFactory, TitleFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/user/@me/reviews"


def since(moment) -> dict:
    return {"updated_since": moment.isoformat()}


def test_changes_and_deletions_since_in_two_queries_at_two_sizes(auth_client, django_assert_max_num_queries):
    user = auth_client.user
    old = ReviewFactory(user=user)
    Review.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
    ReviewFactory(user=UserFactory())
    start = timezone.now() - timedelta(minutes=1)
    auth_client.get("/api/v1/user/@me")  # the signed-in user is cached from here
    for size in (2, 10):
        while Review.objects.filter(user=user, updated_at__gte=start).count() < size:
            ReviewFactory(user=user, title=TitleFactory())
        gone = Review.objects.filter(user=user, updated_at__gte=start).first()
        services.review_delete(user=user, review_id=gone.pk)
        # The changed reviews with their titles; the tombstones.
        with django_assert_max_num_queries(2):
            body = auth_client.get(URL, since(start)).json()
        assert old.pk not in [r["id"] for r in body["results"]]
        assert len(body["results"]) == size - 1
        assert gone.pk in [d["id"] for d in body["deleted"]]


def test_a_merge_moves_one_review_and_tombstones_the_duplicate(auth_client):
    user = auth_client.user
    source, target = TitleFactory(), TitleFactory()
    duplicate = ReviewFactory(user=user, title=source)
    kept = ReviewFactory(user=user, title=target)
    Review.objects.update(updated_at=timezone.now() - timedelta(days=3))
    start = timezone.now() - timedelta(seconds=1)
    services.reviews_move_to_title(source_id=source.pk, target_id=target.pk)
    body = auth_client.get(URL, since(start)).json()
    assert body["results"] == [] and [d["id"] for d in body["deleted"]] == [duplicate.pk]
    assert Review.objects.get().pk == kept.pk


def test_old_tombstones_are_purged_and_too_old_is_a_400(auth_client):
    ReviewDeletion.objects.create(
        user=auth_client.user, review_id=5, title_id=1, deleted_at=timezone.now() - timedelta(days=31)
    )
    from reviews.tasks import purge_review_deletions

    assert purge_review_deletions() == 1 and not ReviewDeletion.objects.exists()
    response = auth_client.get(URL, since(timezone.now() - timedelta(days=31)))
    assert response.status_code == 400 and response.json()["code"] == "updated_since_too_old"
    response = auth_client.get(URL, {"updated_since": "soon"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_updated_since"
