"""Reviews while the Celery broker is down: saved at once, the rating left
to reviews.tasks.reconcile_all_ratings."""

from __future__ import annotations

import pytest
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from core import broker
from reviews import tasks
from tests.catalog.factories import TitleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    broker.reset()
    celery_app.conf.task_always_eager = False  # conftest's _eager_celery restores it
    attempts = []

    def apply_async(*args, **kwargs):
        attempts.append(kwargs)
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(tasks.drain_rating_marks, "apply_async", apply_async)
    yield attempts
    broker.reset()


def test_reviews_are_saved_and_only_the_first_tries_the_broker(
    auth_client, broker_down, django_capture_on_commit_callbacks
):
    titles = [TitleFactory() for _ in range(3)]
    for title in titles:
        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client.post("/api/v1/reviews", {"title_id": title.pk, "rating": 80}, format="json")
        assert response.status_code == 201
    assert len(broker_down) == 1
    for title in titles:
        title.refresh_from_db()
        assert title.rating_count == 0  # not recomputed: no task ran

    celery_app.conf.task_always_eager = True
    tasks.reconcile_all_ratings()
    for title in titles:
        title.refresh_from_db()
        assert (title.rating, title.rating_count) == (80, 1)
