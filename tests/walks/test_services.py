"""A user's walk counts are cached, and every walk service makes them stale once it commits."""

from __future__ import annotations

import pytest
from django.db import transaction

from catalog.models import Title
from tests.catalog.factories import TitleFactory, WalkFactory
from tests.factories import UserFactory
from walks import services
from walks.selectors import user_walk_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    person = UserFactory()
    WalkFactory(user=person, title=TitleFactory(type="game"), state="completed")
    WalkFactory(user=person, title=TitleFactory(type="film"), state="in_progress")
    return person


def test_counts_are_read_once_then_from_the_cache(person, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert user_walk_counts(user_id=person.pk) == {"game": 1, "film": 1}
    with django_assert_num_queries(0):
        assert user_walk_counts(user_id=person.pk) == {"game": 1, "film": 1}
    # every state filter is answered from the same (type, state) tallies
    with django_assert_num_queries(0):
        assert user_walk_counts(user_id=person.pk, state="completed") == {"game": 1}
    with django_assert_num_queries(0):
        assert user_walk_counts(user_id=person.pk, state="completed") == {"game": 1}


def _walk_of(person, type_):
    return person.walks.get(title__type=type_)


@pytest.mark.parametrize(
    ("write", "expected", "completed"),
    [
        (
            lambda p: services.walk_upsert(user=p, title_id=TitleFactory(type="anime").pk, state="completed"),
            {"game": 1, "film": 1, "anime": 1},
            {"game": 1, "anime": 1},
        ),
        (
            lambda p: services.walk_upsert(user=p, title_id=_walk_of(p, "film").title_id, state="completed"),
            {"game": 1, "film": 1},
            {"game": 1, "film": 1},
        ),
        (
            lambda p: services.walk_update(user=p, walk_id=_walk_of(p, "game").pk, state="hundred_percent"),
            {"game": 1, "film": 1},
            {},
        ),
        (lambda p: services.walk_delete(user=p, walk_id=_walk_of(p, "game").pk), {"film": 1}, {}),
        (
            lambda p: services.walk_delete_for_title(user=p, title_id=_walk_of(p, "film").title_id),
            {"game": 1},
            {"game": 1},
        ),
    ],
    ids=["create", "upsert-state", "update", "delete", "delete-for-title"],
)
def test_every_walk_service_makes_the_counts_stale_on_commit(
    person, django_capture_on_commit_callbacks, write, expected, completed
):
    user_walk_counts(user_id=person.pk)
    user_walk_counts(user_id=person.pk, state="completed")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        write(person)
    # not before the write commits: a reader in between would cache the old counts again
    assert user_walk_counts(user_id=person.pk) == {"game": 1, "film": 1}
    for callback in callbacks:
        callback()
    assert user_walk_counts(user_id=person.pk) == expected
    assert user_walk_counts(user_id=person.pk, state="completed") == completed


def test_other_users_counts_stay_cached(person, django_capture_on_commit_callbacks, django_assert_num_queries):
    other = UserFactory()
    user_walk_counts(user_id=other.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.walk_upsert(user=person, title_id=TitleFactory().pk, state="completed")
    with django_assert_num_queries(0):
        assert user_walk_counts(user_id=other.pk) == {}


def test_removing_nothing_bumps_nothing(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.walk_delete_for_title(user=person, title_id=TitleFactory().pk) is False
    assert callbacks == []


def test_a_rolled_back_write_bumps_nothing(person, django_capture_on_commit_callbacks):
    user_walk_counts(user_id=person.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.walk_upsert(user=person, title_id=TitleFactory(type="anime").pk, state="completed")
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == []
    assert Title.objects.filter(type="anime", walks__user=person).count() == 0
