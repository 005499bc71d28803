from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import ExternalId, Title
from core.errors import Conflict
from imports import services
from imports.models import ImportJob, ImportRow, Status
from reviews.models import Review
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.conftest import admin_login
from tests.factories import UserFactory
from walks.models import Walk, WatchlistEntry

from .conftest import upload

pytestmark = pytest.mark.django_db(transaction=True)


def run(user, source, name, content=None, **kwargs):
    held = kwargs.pop("held", None)
    job = services.import_upload(user=user, source=source, upload=upload(name, content), **kwargs)
    services.import_confirm(user=user, job_id=job.pk, held=held)
    services.import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def test_letterboxd_preview_then_import_matches_by_name_and_year():
    person = UserFactory()
    godfather = TitleFactory(name="Godfather, The", type="film", release_year=1972)
    amelie = TitleFactory(name="Amelie", type="film", release_year=2002)  # one year off: still a film match
    TitleFactory(name="Parasite", type="game", release_year=2019)  # another type: not a match
    job = services.import_upload(user=person, source="letterboxd", upload=upload("letterboxd.zip"))
    assert job.status == Status.PREVIEW and job.total == 6
    assert job.plan["match"] == 2 and job.plan["create"] == 4 and job.plan["skip"] == 0
    assert not Walk.objects.exists()  # nothing written before the confirmation
    services.import_confirm(user=person, job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Status.DONE and job.done == job.total == 6  # eager: ran once committed
    walks = dict(Walk.objects.filter(user=person).values_list("title__name", "state"))
    assert walks["Godfather, The"] == "completed" and walks["Amelie"] == "completed"
    assert Review.objects.get(user=person, title=godfather).rating == 90
    assert Review.objects.get(user=person, title=amelie).rating == 10
    parasite = Title.objects.get(name="Parasite", type="film")
    assert parasite.origin == "import:letterboxd" and parasite.release_year == 2019
    assert Review.objects.get(user=person, title=parasite).text == 'Perfect, in every "way".'
    assert WatchlistEntry.objects.filter(user=person, title__name="Perfect Days").exists()
    assert job.counts["walk_created"] == 5 and job.counts["review_created"] == 4
    assert job.counts["watchlist_created"] == 1 and job.counts["created_titles"] == 4
    parasite.refresh_from_db()
    assert parasite.rating == 100 and parasite.rating_count == 1  # recomputed


def test_reimport_is_idempotent_and_overwrite_updates_ratings():
    person = UserFactory()
    first = run(person, "letterboxd", "letterboxd.zip")
    titles, walks, reviews, wanted = (
        Title.objects.count(),
        Walk.objects.count(),
        Review.objects.count(),
        WatchlistEntry.objects.count(),
    )
    again = run(person, "letterboxd", "letterboxd.zip")
    assert (Title.objects.count(), Walk.objects.count(), Review.objects.count(), WatchlistEntry.objects.count()) == (
        titles,
        walks,
        reviews,
        wanted,
    )
    assert again.counts.get("walk_created", 0) == 0 and again.counts["unchanged"] == first.total
    # A newer file with a changed rating: kept in "new" mode, taken in "overwrite".
    newer = b"Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,The Godfather,1972,x,3\n"
    run(person, "letterboxd", "ratings.csv", newer)
    assert Review.objects.get(user=person, title__name="The Godfather").rating == 90
    job = run(person, "letterboxd", "ratings.csv", newer, mode="overwrite")
    assert Review.objects.get(user=person, title__name="The Godfather").rating == 60
    assert job.counts["review_updated"] == 1
    assert Title.objects.get(name="The Godfather").rating == 60


def test_imdb_matches_by_id_first_and_creates_with_ids():
    person = UserFactory()
    renamed = TitleFactory(name="Крёстный отец", type="film", release_year=1972)
    ExternalId.objects.create(title=renamed, provider="imdb", external_id="tt0068646")
    job = run(person, "imdb", "imdb_ratings.csv")
    assert Review.objects.get(user=person, title=renamed).rating == 100
    assert job.counts["skipped"] == 2  # the episode and the game
    bad = Title.objects.get(name="Breaking Bad")
    assert bad.type == "series" and ExternalId.objects.get(title=bad).external_id == "tt0903747"
    # The older format of the same ratings matches what the first import made, by id.
    again = run(person, "imdb", "imdb_ratings_old.csv")
    assert again.counts.get("created_titles", 0) == 0 and again.counts["matched"] == 2
    assert Walk.objects.filter(user=person).count() == 3


def test_mal_held_choice_and_gzip():
    person = UserFactory()
    job = services.import_upload(user=person, source="mal", upload=upload("animelist.xml.gz"))
    assert job.plan["held"] == 2
    services.import_confirm(user=person, job_id=job.pk, held="skip")
    states = dict(Walk.objects.filter(user=person).values_list("title__name", "state"))
    assert states == {"Fullmetal Alchemist: Brotherhood": "completed", "Death Note": "in_progress"}
    assert WatchlistEntry.objects.filter(user=person, title__name="Kimi no Na wa.").exists()
    fma = Title.objects.get(name="Fullmetal Alchemist: Brotherhood")
    assert fma.type == "anime" and fma.release_year == 2019 and fma.external_ids.get().external_id == "5114"
    other = UserFactory()
    run(other, "mal", "mal.xml")  # held = in progress (the default); matched by MAL id now
    assert Walk.objects.get(user=other, title__name="One Piece").state == "in_progress"
    assert Title.objects.filter(name="Fullmetal Alchemist: Brotherhood").count() == 1


def test_hltb_hundred_percent_and_backlog():
    person = UserFactory()
    knight = TitleFactory(name="Hollow Knight", type="game", release_year=2017)
    job = run(person, "hltb", "hltb.csv")
    assert Walk.objects.get(user=person, title=knight).state == "hundred_percent"
    assert Review.objects.get(user=person, title=knight).rating == 95
    assert WatchlistEntry.objects.filter(user=person, title__name="Hades").exists()
    assert job.counts["skipped"] == 1
    assert "year" in ImportRow.objects.get(job=job, name="Celeste").outcome


def test_one_import_at_a_time(django_capture_on_commit_callbacks):
    person = UserFactory()
    job = services.import_upload(user=person, source="hltb", upload=upload("hltb.csv"))
    ImportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING)
    with pytest.raises(Conflict):
        services.import_upload(user=person, source="hltb", upload=upload("hltb.csv"))


def test_a_failing_row_does_not_stop_the_others(monkeypatch):
    person = UserFactory()
    real = services.titles_create_imported

    def flaky(*, items, origin):
        if any(i["name"] == "Celeste" for i in items):
            raise ValueError("boom")
        return real(items=items, origin=origin)

    monkeypatch.setattr(services, "titles_create_imported", flaky)
    job = run(person, "hltb", "hltb.csv")
    assert job.status == Status.DONE and job.counts["failed"] == 1
    assert ImportRow.objects.get(job=job, name="Celeste").outcome.startswith("failed")
    assert set(Walk.objects.filter(user=person).values_list("title__name", flat=True)) == {
        "Hollow Knight",
        "Elden Ring",
    }
    assert WatchlistEntry.objects.filter(user=person, title__name="Hades").exists()


def test_resume_after_a_dead_worker_continues_from_the_last_batch(monkeypatch):
    person = UserFactory()
    monkeypatch.setattr(services, "BATCH", 2)
    job = services.import_upload(user=person, source="hltb", upload=upload("hltb.csv"))
    ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
    assert services._batch_run(job.pk) is True  # one batch committed, then the worker "dies"
    job.refresh_from_db()
    assert job.done == 2 and job.status == Status.RUNNING
    services.import_run(job_id=job.pk)  # the task redelivered
    job.refresh_from_db()
    assert job.status == Status.DONE and job.done == 5
    assert Walk.objects.filter(user=person).count() == 3  # Hollow Knight, Celeste, Elden Ring


def test_stale_jobs_are_queued_again_then_failed():
    from datetime import timedelta

    from django.utils import timezone

    person = UserFactory()
    job = services.import_upload(user=person, source="hltb", upload=upload("hltb.csv"))
    long_ago = timezone.now() - timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, updated_at=long_ago, attempts=3, done=2)
    assert services.imports_resume_stale() == 1
    job.refresh_from_db()
    assert job.status == Status.FAILED and "2 of 5" in job.error


def generated_letterboxd(n: int) -> bytes:
    lines = ["Date,Name,Year,Letterboxd URI,Rating"]
    for i in range(n):
        lines.append(f"2020-01-01,Film number {i},{1950 + i % 70},https://boxd.it/{i},{(i % 10 + 1) / 2}")
    return ("\r\n".join(lines) + "\r\n").encode()


def test_ten_thousand_rows_in_a_constant_number_of_queries_per_batch():
    person = UserFactory()
    TitleFactory(name="Film number 7", type="film", release_year=1957)
    data = generated_letterboxd(10_000)
    with CaptureQueriesContext(connection) as upload_queries:
        job = services.import_upload(user=person, source="letterboxd", upload=upload("ratings.csv", data))
    assert job.total == 10_000 and job.plan["match"] == 1
    ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
    with CaptureQueriesContext(connection) as first:
        services._batch_run(job.pk)
    with CaptureQueriesContext(connection) as second:
        services._batch_run(job.pk)
    # The same work per batch whatever it holds (inserts come in chunks of
    # 500, SQLite's of 100 to 500): the job and its rows, the name match
    # (with the planner setting around it on PostgreSQL), titles, walks,
    # reviews, the report, the job; once committed, the rating marks and
    # (Celery eager here) their drain: marks read, titles locked and
    # recomputed, marks deleted, and the drain's last, empty read.
    assert len(first) == len(second) <= 60
    # Planning: one name query per 1,000 rows, plus the row inserts (SQLite
    # takes about 100 rows per INSERT, PostgreSQL 1,000).
    assert len(upload_queries) <= 10_000 // 100 + 20
    services.import_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Status.DONE and Walk.objects.filter(user=person).count() == 10_000
    assert Review.objects.filter(user=person).count() == 10_000


def test_merge_moves_walks_reviews_and_watchlist():
    curator = UserFactory(is_staff=True, is_superuser=True)
    keep = TitleFactory(name="Amélie", type="film", release_year=2001)
    dup = TitleFactory(name="Amelie", type="film", release_year=2001)
    ExternalId.objects.create(title=dup, provider="imdb", external_id="tt0211915")
    a, b, c = UserFactory.create_batch(3)
    WalkFactory(user=a, title=dup, state="completed")
    ReviewFactory(user=a, title=dup, rating=80)
    WalkFactory(user=b, title=dup, state="in_progress")
    WalkFactory(user=b, title=keep, state="completed")
    ReviewFactory(user=b, title=keep, rating=40)
    ReviewFactory(user=b, title=dup, rating=100)
    WatchlistEntry.objects.create(user=c, title=dup)
    services.title_merge(actor=curator, source=dup, target=keep)
    assert not Title.objects.filter(pk=dup.pk).exists()
    assert Walk.objects.get(user=a).title_id == keep.pk
    assert Walk.objects.get(user=b).state == "completed"  # the target's walk is kept
    assert sorted(Review.objects.filter(title=keep).values_list("rating", flat=True)) == [40, 80]
    assert WatchlistEntry.objects.get(user=c).title_id == keep.pk
    assert ExternalId.objects.get(provider="imdb").title_id == keep.pk
    keep.refresh_from_db()
    assert keep.rating == 60 and keep.rating_count == 2


def test_merge_needs_a_curator():
    from core.errors import Forbidden

    keep, dup = TitleFactory.create_batch(2)
    with pytest.raises(Forbidden):
        services.title_merge(actor=UserFactory(), source=dup, target=keep)


def test_admin_merge_action(client):
    curator = UserFactory(is_staff=True, is_superuser=True)
    keep = TitleFactory(name="Amélie", type="film", release_year=2001)
    dup = TitleFactory(name="Amelie", type="film", release_year=2001)
    WalkFactory(title=dup)
    admin_login(client, curator)
    url = "/admin/catalog/title/"
    page = client.post(url, {"action": "merge_titles", "_selected_action": [keep.pk, dup.pk]})
    assert page.status_code == 200 and b"Choose the title to keep" in page.content
    done = client.post(
        url, {"action": "merge_titles", "_selected_action": [keep.pk, dup.pk], "keep": keep.pk, "confirm": "1"}
    )
    assert done.status_code == 302
    assert not Title.objects.filter(pk=dup.pk).exists() and Walk.objects.get().title_id == keep.pk
    assert client.get(url + "?origin=").status_code == 200


def test_an_import_marks_the_ratings_it_changes_and_the_drain_makes_them_exact(monkeypatch):
    """The titles an import reviews are marked stale in one statement per
    batch once it commits; with the broker down no drain is queued, the
    marks stay, and the next drain (the beat's minute one) makes them exact."""
    from kombu.exceptions import OperationalError

    from config.celery import app as celery_app
    from core import broker
    from reviews import tasks
    from reviews.models import RatingMark

    person = UserFactory()
    films = [TitleFactory(name=f"Film number {i}", type="film", release_year=1950 + i) for i in range(3)]
    monkeypatch.setattr(services, "BATCH", 2)
    broker.reset()
    celery_app.conf.task_always_eager = False  # conftest's _eager_celery restores it
    tried = []

    def apply_async(*args, **kwargs):
        tried.append(kwargs)
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(tasks.drain_rating_marks, "apply_async", apply_async)
    try:
        job = run(person, "letterboxd", "ratings.csv", generated_letterboxd(3))
    finally:
        broker.reset()
    assert job.status == Status.DONE and job.counts["review_created"] == 3
    assert len(tried) == 1  # the second batch found the breaker open
    assert set(RatingMark.objects.values_list("title_id", flat=True)) == {f.pk for f in films}
    for film in films:
        film.refresh_from_db()
        assert film.rating_count == 0  # not recomputed yet

    celery_app.conf.task_always_eager = True
    assert tasks.drain_rating_marks() == 3
    assert not RatingMark.objects.exists()
    for film, rating in zip(films, (10, 20, 30), strict=True):
        film.refresh_from_db()
        assert (film.rating, film.rating_count) == (rating, 1)


@pytest.mark.parametrize("rows", [30, 500])
def test_a_batch_costs_the_same_queries_at_two_sizes(rows, django_assert_max_num_queries):
    person = UserFactory()
    TitleFactory(name="Film number 7", type="film", release_year=1957)
    job = services.import_upload(
        user=person, source="letterboxd", upload=upload("ratings.csv", generated_letterboxd(rows))
    )
    ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
    # As in the test above: the job, its rows, the match, titles, walks,
    # reviews, the report, the job; the marks and their eager drain. Inserts
    # come in chunks (SQLite's of 100 to 500), so 30 rows cost a few fewer.
    with django_assert_max_num_queries(60):
        assert services._batch_run(job.pk) is True
    job.refresh_from_db()
    assert job.done == rows and Review.objects.filter(user=person).count() == rows
