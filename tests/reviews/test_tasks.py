from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Title
from config.celery import app as celery_app
from reviews import services, tasks
from reviews.models import RatingMark, Review
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


@pytest.fixture
def queued_drains(monkeypatch):
    """A broker that keeps the drains queued (nothing runs until the test says)."""
    celery_app.conf.task_always_eager = False  # conftest's _eager_celery restores it
    queued = []
    monkeypatch.setattr(tasks.drain_rating_marks, "apply_async", lambda *a, **kw: queued.append(kw))
    return queued


def marked():
    return set(RatingMark.objects.values_list("title_id", flat=True))


@pytest.mark.django_db
def test_each_write_marks_its_title_and_queues_a_drain_on_commit(django_capture_on_commit_callbacks, queued_drains):
    title, user = TitleFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=False):
        review, _ = services.review_upsert(user=user, title_id=title.pk, rating=80, text="")
    assert marked() == {title.pk}  # in the write's transaction
    assert queued_drains == []  # nothing until the commit
    assert rating_of(title) == (None, 0)

    for call in (
        lambda: services.review_upsert(user=user, title_id=title.pk, rating=60),
        lambda: services.review_update(user=user, review_id=review.pk, rating=20),
        lambda: services.review_delete(user=user, review_id=review.pk),
    ):
        queued_drains.clear()
        tasks.drain_rating_marks()  # the previous write's drain ran
        assert marked() == set()
        with django_capture_on_commit_callbacks(execute=True):
            call()
        assert marked() == {title.pk}
        assert len(queued_drains) == 1


@pytest.mark.django_db
def test_writes_between_two_drains_queue_one_drain_and_one_recompute(django_capture_on_commit_callbacks, queued_drains):
    title, other = TitleFactory(), TitleFactory()
    people = [UserFactory(password=None) for _ in range(3)]
    for person, rating in zip(people, (10, 40, 70), strict=True):
        with django_capture_on_commit_callbacks(execute=True):
            services.review_upsert(user=person, title_id=title.pk, rating=rating)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_upsert(user=people[0], title_id=other.pk, rating=90)
    assert len(queued_drains) == 1
    assert marked() == {title.pk, other.pk}
    assert rating_of(title) == (None, 0)

    # the marks locked (1), the titles locked (1), one UPDATE for both (1), the marks deleted (1),
    # and the savepoints of the nested atomic blocks
    with CaptureQueriesContext(connection) as captured:
        assert tasks.drain_rating_marks() == 2
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 4
    assert sum(sql.startswith('UPDATE "catalog_title"') for sql in statements) == 1
    assert rating_of(title) == (pytest.approx(40.0), 3)
    assert rating_of(other) == (90, 1)
    assert marked() == set()

    # the drain started: the next write queues the next one
    with django_capture_on_commit_callbacks(execute=True):
        services.review_upsert(user=people[1], title_id=other.pk, rating=50)
    assert len(queued_drains) == 2


@pytest.mark.django_db
def test_the_drain_goes_in_batches_and_forgets_deleted_titles():
    titles = [TitleFactory() for _ in range(5)]
    for i, title in enumerate(titles):
        ReviewFactory(title=title, rating=i * 20)
    RatingMark.objects.bulk_create([RatingMark(title_id=t.pk) for t in titles] + [RatingMark(title_id=987654)])
    assert services.title_rating_marks_drain(batch_size=2) == 6
    assert marked() == set()
    assert [rating_of(t) for t in titles] == [(i * 20, 1) for i in range(5)]


@pytest.mark.django_db
def test_eager_writes_leave_the_rating_exact_at_once(django_capture_on_commit_callbacks):
    """The embedded default: the drain runs at the commit."""
    title = TitleFactory()
    user, other = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        review, _ = services.review_upsert(user=user, title_id=title.pk, rating=80)
    assert rating_of(title) == (80, 1)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_upsert(user=other, title_id=title.pk, rating=20)
    assert rating_of(title) == (50, 2)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_update(user=user, review_id=review.pk, rating=40)
    assert rating_of(title) == (30, 2)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_delete(user=user, review_id=review.pk)
    assert rating_of(title) == (20, 1)
    assert marked() == set()


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
    assert "reviews.tasks.drain_rating_marks" in scheduled
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
    task = tasks.drain_rating_marks
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
