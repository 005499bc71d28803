"""Marking many titles' ratings stale at once (a bulk write such as an
import): the marks are written once the write commits, and drained."""

from __future__ import annotations

import pytest
from django.db import transaction

from reviews import services
from reviews.models import RatingMark, Review
from tests.catalog.factories import TitleFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_marks_are_written_after_the_commit_and_the_drain_makes_ratings_exact(
    django_capture_on_commit_callbacks, monkeypatch
):
    titles = [TitleFactory() for _ in range(3)]
    person = UserFactory()
    drains = []
    monkeypatch.setattr(services, "_drain_queue", lambda: drains.append(1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        Review.objects.bulk_create([Review(user=person, title=t, rating=40 + i) for i, t in enumerate(titles)])
        services.title_ratings_mark_on_commit(title_ids=[t.pk for t in reversed(titles)] + [titles[0].pk])
        assert not RatingMark.objects.exists()  # nothing held while the write runs
    assert len(callbacks) == 1 and drains == [1]  # one statement, one drain queued
    assert sorted(RatingMark.objects.values_list("title_id", flat=True)) == sorted(t.pk for t in titles)

    assert services.title_rating_marks_drain() == 3
    assert not RatingMark.objects.exists()
    for i, title in enumerate(titles):
        title.refresh_from_db()
        assert (title.rating, title.rating_count) == (40 + i, 1)


def test_nothing_to_mark_is_no_callback(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.title_ratings_mark_on_commit(title_ids=[])
    assert callbacks == []
