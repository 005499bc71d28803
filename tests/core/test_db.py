"""core.db.upsert_returning: one INSERT ... ON CONFLICT that answers the row as written."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from core.db import upsert_returning
from reviews.models import Review
from tests.catalog.factories import TitleFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _values(user, title, rating, text, at):
    return {
        "user_id": user.pk,
        "title_id": title.pk,
        "rating": rating,
        "text": text,
        "created_at": at,
        "updated_at": at,
    }


def test_inserts_then_updates_answering_the_row_as_written():
    user, title = UserFactory(), TitleFactory()
    first_at = timezone.now() - timedelta(minutes=5)
    row, inserted = upsert_returning(
        Review, unique=("user_id", "title_id"), values=_values(user, title, 40, "First", first_at), update=("rating",)
    )
    assert inserted is True
    assert isinstance(row, Review) and row.pk and not row._state.adding
    assert (row.user_id, row.title_id, row.rating, row.text) == (user.pk, title.pk, 40, "First")
    assert isinstance(row.created_at, datetime) and row.created_at == first_at  # aware, as the ORM gives it

    later = timezone.now()
    again, inserted = upsert_returning(
        Review,
        unique=("user_id", "title_id"),
        values=_values(user, title, 70, "Ignored", later),
        update=("rating", "updated_at"),
    )
    assert inserted is False
    assert again.pk == row.pk
    # Only the update fields change; the answer is what the database holds.
    assert (again.rating, again.text, again.created_at, again.updated_at) == (70, "First", first_at, later)
    stored = Review.objects.get()
    assert (stored.rating, stored.text, stored.created_at, stored.updated_at) == (70, "First", first_at, later)


def test_a_row_inserted_earlier_in_the_same_transaction_is_an_update():
    user, title = UserFactory(), TitleFactory()
    now = timezone.now()
    with transaction.atomic():
        _row, first = upsert_returning(
            Review, unique=("user_id", "title_id"), values=_values(user, title, 1, "", now), update=("rating",)
        )
        row, second = upsert_returning(
            Review, unique=("user_id", "title_id"), values=_values(user, title, 2, "", now), update=("rating",)
        )
    assert (first, second) == (True, False)
    assert row.rating == 2 and Review.objects.count() == 1


def test_other_rows_are_other_inserts():
    user, other = UserFactory(), UserFactory()
    title = TitleFactory()
    now = timezone.now()
    flags = [
        upsert_returning(
            Review, unique=("user_id", "title_id"), values=_values(u, title, 5, "", now), update=("rating",)
        )[1]
        for u in (user, other, user)
    ]
    assert flags == [True, True, False]


def test_it_needs_something_to_update():
    user, title = UserFactory(), TitleFactory()
    with pytest.raises(ValueError):
        upsert_returning(
            Review, unique=("user_id", "title_id"), values=_values(user, title, 5, "", timezone.now()), update=()
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_upserts_of_one_row_are_one_insert_and_one_update():
    """The second waits on the first's uncommitted insert, then updates the row it committed."""
    import threading
    import time

    from django.db import connection

    user, title = UserFactory(), TitleFactory()
    now = timezone.now()
    release = threading.Event()
    flags: dict[str, bool] = {}

    def first():
        try:
            with transaction.atomic():
                flags["first"] = upsert_returning(
                    Review, unique=("user_id", "title_id"), values=_values(user, title, 1, "", now), update=("rating",)
                )[1]
                release.wait(10)
        finally:
            connection.close()

    def second():
        try:
            flags["second"] = upsert_returning(
                Review, unique=("user_id", "title_id"), values=_values(user, title, 2, "", now), update=("rating",)
            )[1]
        finally:
            connection.close()

    a = threading.Thread(target=first)
    a.start()
    while "first" not in flags:
        time.sleep(0.01)
    b = threading.Thread(target=second)
    b.start()
    time.sleep(0.2)  # b now waits on a's row
    assert "second" not in flags
    release.set()
    a.join(10)
    b.join(10)
    assert flags == {"first": True, "second": False}
    assert Review.objects.get().rating == 2
