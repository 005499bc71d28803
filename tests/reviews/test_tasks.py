from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

from catalog.models import Title
from reviews import services, tasks
from reviews.models import Review
from tests.catalog.factories import ReviewFactory, TitleFactory
from tests.factories import UserFactory


def rating_of(title):
    title.refresh_from_db()
    return title.rating, title.rating_count


@pytest.mark.django_db
def test_recompute_is_the_mean_and_the_count():
    title = TitleFactory()
    for rating in (70, 85, 90):
        ReviewFactory(title=title, rating=rating)
    ReviewFactory(rating=0)  # another title does not count
    assert services.title_rating_recompute(title_id=title.pk) is True
    rating, count = rating_of(title)
    assert rating == pytest.approx(245 / 3) and count == 3


@pytest.mark.django_db
def test_recompute_without_reviews_is_null():
    title = TitleFactory()
    Title.objects.filter(pk=title.pk).update(rating=50, rating_count=4)
    services.title_rating_recompute(title_id=title.pk)
    assert rating_of(title) == (None, 0)


@pytest.mark.django_db
def test_recompute_of_a_deleted_title_is_harmless():
    assert services.title_rating_recompute(title_id=987654) is False
    tasks.recompute_title_rating.delay(987654)  # eager: must not raise


@pytest.mark.django_db
def test_recompute_does_not_touch_updated_at():
    title = TitleFactory()
    before = title.updated_at
    ReviewFactory(title=title, rating=10)
    services.title_rating_recompute(title_id=title.pk)
    title.refresh_from_db()
    assert title.updated_at == before


@pytest.mark.django_db
def test_each_write_enqueues_one_recompute_on_commit(django_capture_on_commit_callbacks, monkeypatch):
    title = TitleFactory()
    user = UserFactory()
    enqueued = []
    apply_async = tasks.recompute_title_rating.apply_async

    def spy(args=(), kwargs=None, **options):
        enqueued.append(tuple(args))
        return apply_async(args=args, kwargs=kwargs, **options)

    monkeypatch.setattr(tasks.recompute_title_rating, "apply_async", spy)
    with django_capture_on_commit_callbacks(execute=False):
        review, _ = services.review_upsert(user=user, title_id=title.pk, rating=80, text="")
    assert enqueued == []
    assert rating_of(title) == (None, 0)  # nothing until the commit

    for call in (
        lambda: services.review_upsert(user=user, title_id=title.pk, rating=60),
        lambda: services.review_update(user=user, review_id=review.pk, rating=20),
        lambda: services.review_delete(user=user, review_id=review.pk),
    ):
        enqueued.clear()
        with django_capture_on_commit_callbacks(execute=True):
            call()
        assert enqueued == [(title.pk,)]


@pytest.mark.django_db
def test_failed_validation_enqueues_nothing(django_capture_on_commit_callbacks):
    title, user = TitleFactory(), UserFactory()
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(services.Invalid):
        services.review_upsert(user=user, title_id=title.pk, rating=500)
    assert callbacks == []


@pytest.mark.django_db
def test_the_task_calls_the_service():
    title = TitleFactory()
    ReviewFactory(title=title, rating=33)
    tasks.recompute_title_rating.delay(title.pk)
    assert rating_of(title) == (33, 1)


@pytest.mark.django_db
def test_reconcile_fixes_every_drifted_title_and_leaves_the_rest():
    right = TitleFactory()
    ReviewFactory(title=right, rating=50)
    services.title_rating_recompute(title_id=right.pk)
    stale = TitleFactory()
    ReviewFactory(title=stale, rating=90)
    ReviewFactory(title=stale, rating=80)  # never recomputed
    ghost = TitleFactory()
    Title.objects.filter(pk=ghost.pk).update(rating=12, rating_count=1)  # no reviews at all
    unrated = TitleFactory()

    fixed = tasks.reconcile_all_ratings.delay(batch_size=2).get()
    assert fixed == 2
    assert rating_of(stale) == (85, 2)
    assert rating_of(ghost) == (None, 0)
    assert rating_of(right) == (50, 1)
    assert rating_of(unrated) == (None, 0)
    assert tasks.reconcile_all_ratings.delay().get() == 0


def test_reconcile_is_scheduled():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reviews.tasks.reconcile_all_ratings" in scheduled
    assert tasks.reconcile_all_ratings.name == "reviews.tasks.reconcile_all_ratings"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reviews_leave_the_exact_mean():
    """Many people review one title at the same moment; each write commits and
    runs its recompute (eagerly, in its own thread and connection)."""
    title = TitleFactory()
    people = [UserFactory(password=None) for _ in range(12)]
    ratings = [3, 97, 41, 58, 100, 0, 77, 64, 12, 88, 50, 29]
    barrier = threading.Barrier(len(people))
    errors = []

    def write(person, rating):
        try:
            barrier.wait(timeout=10)
            services.review_upsert(user=person, title_id=title.pk, rating=rating, text="")
            barrier_2.wait(timeout=10)
            services.review_upsert(user=person, title_id=title.pk, rating=100 - rating)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    barrier_2 = threading.Barrier(len(people))
    threads = [threading.Thread(target=write, args=(p, r)) for p, r in zip(people, ratings, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    expected = [100 - r for r in ratings]
    rating, count = rating_of(title)
    assert count == len(people) == Review.objects.filter(title=title).count()
    assert rating == pytest.approx(sum(expected) / len(expected), abs=1e-9)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_recomputes_of_a_changing_title_end_right():
    title = TitleFactory()
    people = [UserFactory(password=None) for _ in range(8)]
    stop = threading.Event()
    errors = []

    def recompute_forever():
        try:
            while not stop.is_set():
                services.title_rating_recompute(title_id=title.pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=recompute_forever) for _ in range(3)]
    for worker in workers:
        worker.start()
    try:
        for i, person in enumerate(people):
            services.review_upsert(user=person, title_id=title.pk, rating=i * 10)
    finally:
        stop.set()
        for worker in workers:
            worker.join(30)
    assert errors == []
    assert rating_of(title) == (pytest.approx(35.0), 8)


@pytest.mark.integration
def test_a_real_worker_recomputes_the_rating(celery_worker_process):
    worker = celery_worker_process
    title = TitleFactory()
    ReviewFactory(title=title, rating=64)
    ReviewFactory(title=title, rating=81)
    tasks.recompute_title_rating.apply_async((title.pk,), queue=worker.queue)
    worker.wait_for(lambda: rating_of(title) == (72.5, 2))
    assert rating_of(title) == (72.5, 2)


@pytest.mark.integration
def test_a_review_on_the_real_worker_path(celery_worker_process, monkeypatch):
    """The service's own on_commit enqueue reaches a real worker (sent to the worker's queue)."""
    worker = celery_worker_process
    task = tasks.recompute_title_rating
    apply_async = task.apply_async

    def to_the_workers_queue(args=(), kwargs=None, **options):
        return apply_async(args=args, kwargs=kwargs, **{**options, "queue": worker.queue})

    monkeypatch.setattr(task, "apply_async", to_the_workers_queue)
    title = TitleFactory()
    people = [UserFactory(password=None) for _ in range(3)]
    for person, rating in zip(people, (42, 58, 71), strict=True):
        services.review_upsert(user=person, title_id=title.pk, rating=rating, text="ok")
    worker.wait_for(lambda: rating_of(title) == (pytest.approx(57.0), 3))
    review = Review.objects.get(user=people[0])
    services.review_delete(user=people[0], review_id=review.pk)
    worker.wait_for(lambda: rating_of(title) == (pytest.approx(64.5), 2))
