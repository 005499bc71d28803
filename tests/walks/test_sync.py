"""``GET /api/v1/user/@me/walks?updated_since=``: the changes and the deletions
since then, for an offline-first client (core.sync)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from core import sync
from tests.catalog.factories import TitleFactory, WalkFactory
from tests.factories import UserFactory
from walks import services
from walks.models import Walk, WalkDeletion

pytestmark = pytest.mark.django_db
URL = "/api/v1/user/@me/walks"


def since(moment) -> dict:
    return {"updated_since": moment.isoformat()}


def test_changes_and_deletions_since(auth_client):
    user = auth_client.user
    old = WalkFactory(user=user)
    Walk.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
    gone = WalkFactory(user=user)
    WalkFactory(user=UserFactory())  # someone else's
    start = timezone.now() - timedelta(minutes=1)
    changed = WalkFactory(user=user)
    services.walk_delete(user=user, walk_id=gone.pk)

    response = auth_client.get(URL, since(start))
    assert response.status_code == 200, response.content
    body = response.json()
    assert [w["id"] for w in body["results"]] == [changed.pk]
    assert body["results"][0]["title"]["id"] == changed.title_id
    assert [(d["id"], d["title_id"]) for d in body["deleted"]] == [(gone.pk, gone.title_id)]
    # The next sync starts a little before now, so nothing committing meanwhile is missed.
    next_time = datetime.fromisoformat(body["server_time"])
    assert timezone.now() - timedelta(seconds=30) < next_time <= timezone.now() - sync.OVERLAP + timedelta(seconds=1)

    # From server_time on, the same rows are not sent again (a write within the overlap would be).
    Walk.objects.filter(pk=changed.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    WalkDeletion.objects.update(deleted_at=timezone.now() - timedelta(minutes=5))
    again = auth_client.get(URL, {"updated_since": body["server_time"]}).json()
    assert again["results"] == [] and again["deleted"] == []


def test_oldest_change_first_in_two_queries_at_two_sizes(auth_client, django_assert_max_num_queries):
    user = auth_client.user
    start = timezone.now() - timedelta(minutes=1)
    for size in (2, 12):
        while Walk.objects.filter(user=user).count() < size:
            WalkFactory(user=user, title=TitleFactory())
        walk = Walk.objects.filter(user=user).first()
        services.walk_delete(user=user, walk_id=walk.pk)
        auth_client.get("/api/v1/user/@me")  # the signed-in user is cached from here
        # The changed walks with their titles; the tombstones.
        with django_assert_max_num_queries(2):
            body = auth_client.get(URL, since(start)).json()
        times = [w["updated_at"] for w in body["results"]]
        assert len(body["results"]) == Walk.objects.filter(user=user).count() and times == sorted(times)


def test_a_move_by_title_merge_is_a_change_and_a_duplicate_a_deletion(auth_client):
    user, other = auth_client.user, UserFactory()
    source, target = TitleFactory(), TitleFactory()
    mine = WalkFactory(user=user, title=source)
    theirs_old = WalkFactory(user=other, title=source)
    WalkFactory(user=other, title=target)
    Walk.objects.update(updated_at=timezone.now() - timedelta(days=3))
    start = timezone.now() - timedelta(seconds=1)
    services.walks_move_to_title(source_id=source.pk, target_id=target.pk)
    body = auth_client.get(URL, since(start)).json()
    assert [(w["id"], w["title_id"]) for w in body["results"]] == [(mine.pk, target.pk)]
    assert WalkDeletion.objects.get(user=other).walk_id == theirs_old.pk


def test_removing_by_title_leaves_a_tombstone(auth_client):
    walk = WalkFactory(user=auth_client.user)
    start = timezone.now() - timedelta(seconds=1)
    assert services.walk_delete_for_title(user=auth_client.user, title_id=walk.title_id)
    assert [d["id"] for d in auth_client.get(URL, since(start)).json()["deleted"]] == [walk.pk]


def test_old_tombstones_are_purged(auth_client):
    walk = WalkFactory(user=auth_client.user)
    services.walk_delete(user=auth_client.user, walk_id=walk.pk)
    recent = WalkDeletion.objects.get()
    stale = WalkDeletion.objects.create(
        user=auth_client.user, walk_id=999, title_id=1, deleted_at=timezone.now() - timedelta(days=31)
    )
    from walks.tasks import purge_walk_deletions

    assert purge_walk_deletions() == 1
    assert list(WalkDeletion.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not WalkDeletion.objects.filter(pk=stale.pk).exists()


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"updated_since": "yesterday"}, "invalid_updated_since"),
        ({"updated_since": ""}, "invalid_updated_since"),
        ({"updated_since": "2026-01-01T10:00:00"}, "invalid_updated_since"),  # no offset
        ({"updated_since": "2026-02-30T10:00:00Z"}, "invalid_updated_since"),
        ({"updated_since": "0001-01-01T00:00:00+05:00"}, "invalid_updated_since"),
        ({"updated_since": "2000-01-01T00:00:00Z"}, "updated_since_too_old"),
        ({"updated_since": "NOW", "page": "2"}, "updated_since_alone"),
        ({"updated_since": "NOW", "state": "completed"}, "updated_since_alone"),
    ],
)
def test_bad_updated_since_is_a_400_with_a_code(auth_client, query, code):
    if query["updated_since"] == "NOW":
        query["updated_since"] = timezone.now().isoformat()
    response = auth_client.get(URL, query)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code
    if code == "updated_since_too_old":
        assert "server_time" in body  # where to sync from after the full read


def test_too_many_changes_asks_for_a_full_sync(auth_client, monkeypatch):
    monkeypatch.setattr(sync, "MAX_CHANGES", 2)
    for _ in range(3):
        WalkFactory(user=auth_client.user)
    response = auth_client.get(URL, since(timezone.now() - timedelta(minutes=1)))
    assert response.status_code == 400 and response.json()["code"] == "too_many_changes"
    assert response.json()["server_time"]


def test_without_updated_since_it_is_the_page(auth_client):
    WalkFactory(user=auth_client.user)
    body = auth_client.get(URL).json()
    assert body["count"] == 1 and "deleted" not in body


def test_a_deleted_title_leaves_tombstones_of_its_walks_and_reviews(auth_client, admin_user):
    from reviews.models import ReviewDeletion
    from tests.catalog.factories import ReviewFactory

    walk = WalkFactory(user=auth_client.user)
    review = ReviewFactory(user=auth_client.user, title=walk.title)
    start = timezone.now() - timedelta(seconds=1)
    from imports.services import title_remove

    title_remove(actor=admin_user, title=walk.title)
    assert [d["id"] for d in auth_client.get(URL, since(start)).json()["deleted"]] == [walk.pk]
    reviews = auth_client.get("/api/v1/user/@me/reviews", since(start)).json()
    assert [d["id"] for d in reviews["deleted"]] == [review.pk]
    assert ReviewDeletion.objects.filter(title_id=review.title_id).count() == 1
