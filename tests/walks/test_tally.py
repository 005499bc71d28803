"""The kept walk counts (walks.tally): every writer keeps them equal to a
fresh GROUP BY, concurrent writes lose none, the profile reads them in a
number of queries that does not grow with the library, the migration
fills them and the reconcile repairs drift."""

from __future__ import annotations

import importlib
import threading
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Title
from config.celery import app as celery_app
from imports import services as imports_services
from tests.catalog.factories import TitleFactory, WalkFactory
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.imports.conftest import upload
from walks import selectors, services, tasks
from walks.models import Walk, WalkTally
from walks.tally import tally_fresh, tally_kept, tally_reconcile, tally_recount, title_update_tallied

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_client(client, user):
    client.force_login(user)
    client.user = user
    return client


def assert_exact() -> None:
    """The tally holds exactly what a GROUP BY over the walks counts now."""
    assert tally_kept() == tally_fresh()


@pytest.fixture
def world():
    """Two people with walks of games and films in several states, counted."""
    a, b = UserFactory(), UserFactory()
    games = TitleFactory.create_batch(4, type="game")
    films = TitleFactory.create_batch(3, type="film")
    for t, state in zip(games, ["completed", "completed", "in_progress", "hundred_percent"], strict=True):
        WalkFactory(user=a, title=t, state=state)
    for t in films:
        WalkFactory(user=a, title=t, state="in_progress")
        WalkFactory(user=b, title=t, state="completed")
    assert_exact()
    curator = UserFactory(is_staff=True, is_superuser=True)
    return {"a": a, "b": b, "games": games, "films": films, "curator": curator}


def _upsert_new(w):
    services.walk_upsert(user=w["a"], title_id=TitleFactory(type="series").pk, state="completed")


def _upsert_change(w):
    services.walk_upsert(user=w["a"], title_id=w["games"][0].pk, state="in_progress")


def _upsert_same(w):
    services.walk_upsert(user=w["a"], title_id=w["games"][0].pk, state="completed")


def _update(w):
    walk = Walk.objects.get(user=w["b"], title=w["films"][0])
    services.walk_update(user=w["b"], walk_id=walk.pk, state="hundred_percent")


def _delete(w):
    services.walk_delete(user=w["a"], walk_id=Walk.objects.get(user=w["a"], title=w["games"][3]).pk)


def _delete_for_title(w):
    assert services.walk_delete_for_title(user=w["a"], title_id=w["films"][1].pk)
    assert not services.walk_delete_for_title(user=w["a"], title_id=w["films"][1].pk)  # nothing left


def _bulk(w, overwrite):
    states = {t.pk: "hundred_percent" for t in w["games"][:2]} | {TitleFactory(type="anime").pk: "in_progress"}
    services.walks_bulk_upsert(user=w["a"], states=states, overwrite=overwrite)


def _import(w):
    TitleFactory(name="Hollow Knight", type="game", release_year=2017)
    job = imports_services.import_upload(user=w["a"], source="hltb", upload=upload("hltb.csv"))
    imports_services.import_confirm(user=w["a"], job_id=job.pk)
    imports_services.import_run(job_id=job.pk)
    assert Walk.objects.filter(user=w["a"], title__name="Hollow Knight", state="hundred_percent").exists()


def _title_remove(w):
    imports_services.title_remove(actor=w["curator"], title=w["films"][0])


def _title_merge(w):
    imports_services.title_merge(actor=w["curator"], source=w["films"][0], target=w["films"][1])


def _title_retype(w):
    title = w["films"][2]
    title_update_tallied(actor=w["curator"], title=title, type="series")
    assert Title.objects.get(pk=title.pk).type == "series"


def _title_edit_same_type(w):
    title_update_tallied(actor=w["curator"], title=w["films"][2], name="Renamed")


def _account_delete(w):
    w["a"].set_password(DEFAULT_PASSWORD)
    w["a"].save()
    imports_services.account_delete(user=w["a"], password=DEFAULT_PASSWORD)
    assert not WalkTally.objects.filter(user_id=w["a"].pk).exists()


def _walks_delete_all(w):
    services.walks_delete_all_for_user(user=w["b"])
    assert not WalkTally.objects.filter(user_id=w["b"].pk).exclude(count=0).exists()


WRITES = {
    "upsert-new": _upsert_new,
    "upsert-change": _upsert_change,
    "upsert-same": _upsert_same,
    "update": _update,
    "delete": _delete,
    "delete-for-title": _delete_for_title,
    "bulk-keep": lambda w: _bulk(w, False),
    "bulk-overwrite": lambda w: _bulk(w, True),
    "import": _import,
    "title-remove": _title_remove,
    "title-merge": _title_merge,
    "title-retype": _title_retype,
    "title-edit": _title_edit_same_type,
    "account-delete": _account_delete,
    "walks-delete-all": _walks_delete_all,
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_writer_keeps_the_tally_equal_to_a_fresh_count(world, write):
    before = tally_kept()
    write(world)
    assert_exact()
    if write not in (_upsert_same, _title_edit_same_type):
        assert tally_kept() != before  # the write did change a count


def test_the_type_change_moves_the_walks_between_types(world):
    a, b, film = world["a"], world["b"], world["films"][2]
    title_update_tallied(actor=world["curator"], title=film, type="anime")
    assert selectors.user_walk_tallies(user_id=b.pk) == {("film", "completed"): 2, ("anime", "completed"): 1}
    assert tally_kept(user_ids=[a.pk])[(a.pk, "anime", "in_progress")] == 1


def test_the_seed_demo_command_leaves_exact_tallies():
    call_command("seed_demo", verbosity=0)
    assert Walk.objects.exists()
    assert_exact()


def test_the_counts_are_one_query_of_the_tally_whatever_the_library():
    person = UserFactory()
    titles = Title.objects.bulk_create(
        Title(name=f"T{i}", name_key=f"t{i}", type=("game", "film")[i % 2], release_year=2000) for i in range(300)
    )
    Walk.objects.bulk_create(
        Walk(user=person, title=t, state=("completed", "in_progress")[i % 3 == 0]) for i, t in enumerate(titles)
    )
    tally_recount(user_ids=[person.pk])
    with CaptureQueriesContext(connection) as captured:
        counts = selectors.user_walk_counts(user_id=person.pk)
    assert counts == {"game": 150, "film": 150}
    assert len(captured) == 1
    assert "walks_walktally" in captured[0]["sql"] and 'walks_walk"' not in captured[0]["sql"]
    assert selectors.user_walk_counts(user_id=person.pk, state="in_progress") == {"game": 50, "film": 50}


@pytest.mark.parametrize("n", [5, 500])
def test_the_profile_makes_the_same_queries_for_5_and_500_walks(
    member_client, n, clear_cache, django_assert_num_queries
):
    person = UserFactory()
    titles = Title.objects.bulk_create(
        Title(name=f"T{i}", name_key=f"t{i}", type=("game", "film", "series", "anime")[i % 4], release_year=2000)
        for i in range(max(n, 8))
    )
    Walk.objects.bulk_create(Walk(user=person, title=t, state="completed") for t in titles[:n])
    tally_recount(user_ids=[person.pk])
    url = f"/u/{person.profile.username}/"
    member_client.get(url)
    clear_cache()
    member_client.force_login(member_client.user)
    # Exactly as many at both sizes: session, user (2); the person and whether I may see
    # them (2 + block check); the counts (1, the tally); one shelf per type (4); the
    # reviews' count and page (2), the owner's scores (1); the follow panel (4).
    with django_assert_num_queries(16) as captured:
        response = member_client.get(url)
    assert response.status_code == 200
    assert not any("COUNT" in q["sql"] and 'walks_walk"' in q["sql"] for q in captured.captured_queries)
    clear_cache()
    member_client.force_login(member_client.user)
    # The same, but one type's page (its total from the tally too) instead of the shelves.
    with django_assert_num_queries(13) as captured:
        response = member_client.get(url, {"type": "film"})
    assert response.status_code == 200


def test_a_persons_own_write_shows_on_their_profile_at_once(member_client, django_capture_on_commit_callbacks):
    me = member_client.user
    title = TitleFactory(type="film")
    url = f"/u/{me.profile.username}/"
    assert "film" not in selectors.user_walk_counts(user_id=me.pk)
    member_client.get(url)  # cached
    with django_capture_on_commit_callbacks(execute=True):  # the scope bumps, as after a commit
        response = member_client.post(f"/titles/{title.pk}/walk/", {"state": "completed"})
    assert response.status_code in (302, 303)
    assert selectors.user_walk_counts(user_id=me.pk) == {"film": 1}
    assert member_client.get(url).context["body"].count("title-card--walk") == 1


def test_the_migration_fills_the_tally_from_the_walks(world):
    WalkTally.objects.all().delete()
    migration = importlib.import_module("walks.migrations.0004_tally")
    migration.BATCH = 1  # one person per GROUP BY: the batches cover everyone
    migration.fill(apps, SimpleNamespace(connection=connection))  # all it reads of the schema editor
    assert_exact()
    assert WalkTally.objects.count() == len(tally_fresh())


def test_the_reconcile_repairs_drift_and_reports_it(world, caplog):
    a, b = world["a"], world["b"]
    WalkTally.objects.filter(user=a, type="game", state="completed").update(count=7)  # +5
    WalkTally.objects.filter(user=b).delete()  # -3
    Walk.objects.filter(user=a, title=world["games"][2]).delete()  # behind the services' back: -1
    WalkTally.objects.create(user=b, type="anime", state="completed", count=2)  # a count of nothing
    report = tasks.reconcile_walk_tallies.delay(batch_size=1).get()
    assert report == {"rows": 4, "people": 2, "walks": 11}
    assert "repaired 4 counts of 2 people" in caplog.text
    assert_exact()
    assert tally_reconcile() == {"rows": 0, "people": 0, "walks": 0}


def test_the_reconcile_is_scheduled_and_has_a_command(world, capsys):
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "walks.tasks.reconcile_walk_tallies" in scheduled
    WalkTally.objects.filter(user=world["a"]).update(count=0)
    call_command("walk_tallies_reconcile")
    assert "7 walks" in capsys.readouterr().out
    assert_exact()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_of_one_person_lose_no_count():
    """Four threads write one person's walks at the same moment: new walks,
    the same new walk twice (a double click), changes and deletions."""
    person = UserFactory(password=None)
    titles = TitleFactory.create_batch(24, type="game")
    for t in titles[16:]:
        services.walk_upsert(user=person, title_id=t.pk, state="completed")
    barrier = threading.Barrier(4)
    errors = []

    def write(part):
        try:
            barrier.wait(timeout=10)
            for i, t in enumerate(titles[part * 4 : part * 4 + 4] + titles[:2]):  # the first two in every thread
                services.walk_upsert(user=person, title_id=t.pk, state=("completed", "in_progress")[(i + part) % 2])
            own = titles[16 + part * 2]
            walk = Walk.objects.get(user=person, title=own)
            services.walk_update(user=person, walk_id=walk.pk, state="hundred_percent")
            services.walk_delete_for_title(user=person, title_id=titles[17 + part * 2].pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(part,)) for part in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert Walk.objects.filter(user=person).count() == 16 + 4
    assert_exact()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_opposite_changes_of_one_persons_walks_at_once_do_not_deadlock():
    """Two requests of one person (an assistant's parallel calls) move two
    walks between the same two states in opposite directions, again and
    again: the tally rows are locked in one order, so neither waits on the
    other in a cycle (PostgreSQL would answer one of them "deadlock detected")."""
    person = UserFactory(password=None)
    titles = TitleFactory.create_batch(4, type="game")
    for i, title in enumerate(titles):
        services.walk_upsert(user=person, title_id=title.pk, state=("completed", "in_progress")[i % 2])
    barrier = threading.Barrier(len(titles))
    errors = []

    def flip(title, states):
        try:
            barrier.wait(timeout=10)
            for i in range(60):
                services.walk_upsert(user=person, title_id=title.pk, state=states[i % 2])
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=flip, args=(title, ("in_progress", "completed")[:: 1 if i % 2 == 0 else -1]))
        for i, title in enumerate(titles)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert_exact()


@pytest.mark.django_db
def test_an_upsert_that_found_no_walk_yet_did_not_insert_recounts_the_person():
    """A double click on "start": both reads find no walk, the other request's
    insert wins, this upsert updates. Counting +1 again would drift; the
    person's counts are counted afresh instead."""
    from walks.tally import tally_walk_upserted

    user = UserFactory(password=None)
    walk = WalkFactory(user=user, state="in_progress")  # the other request's walk, counted
    Walk.objects.filter(pk=walk.pk).update(state="completed")  # this upsert's update
    tally_walk_upserted(user_id=user.pk, title_id=walk.title_id, before=None, created=False, state="completed")
    assert (
        tally_kept(user_ids=[user.pk])
        == tally_fresh(user_ids=[user.pk])
        == {(user.pk, walk.title.type, "completed"): 1}
    )
