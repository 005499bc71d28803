"""Two saves with one link at the same moment: exactly one applies (PostgreSQL).

Each save runs in its own thread with its own database connection, through
the real API view. The test holds the link's row lock itself until both saves
are provably waiting on it (``pg_stat_activity``), then lets go: without the
``SELECT ... FOR UPDATE`` in ``profile_edit_save`` both would have read the
link as unused and both would succeed.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from gptprofile.models import ProfileEditToken
from tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import make_link

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SAVE = "/api/v1/gpt/profile/save"
PASSPHRASES = ["first-lantern-orbit-41", "second-meadow-harbor-52"]


def _save_in_thread(raw: str, passphrase: str, locale: str, results: dict, start: threading.Barrier):
    try:
        start.wait(timeout=10)
        response = APIClient().post(SAVE, {"token": raw, "locale": locale, "passphrase": passphrase}, format="json")
        results[passphrase] = (response.status_code, response.json())
    except Exception as exc:
        results[passphrase] = (None, repr(exc))
    finally:
        connections.close_all()


def _waiting_on_locks() -> int:
    with connections["default"].cursor() as cursor:
        # Inside a transaction pg_stat_activity is a snapshot taken at first read.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _race(raw: str, *, hold_lock: bool) -> dict:
    results: dict = {}
    start = threading.Barrier(len(PASSPHRASES))
    threads = [
        threading.Thread(target=_save_in_thread, args=(raw, passphrase, locale, results, start))
        for passphrase, locale in zip(PASSPHRASES, ["ru", "en"], strict=True)
    ]
    if hold_lock:
        with transaction.atomic():
            ProfileEditToken.objects.select_for_update().get()
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + 10
            while _waiting_on_locks() < len(threads):
                assert time.monotonic() < deadline, f"the saves never queued on the link's row lock: {results}"
                time.sleep(0.02)
    else:
        for thread in threads:
            thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    return results


@pytest.mark.parametrize("hold_lock", [True, False], ids=["both-queued-on-the-lock", "free-race"])
def test_two_saves_with_one_link_one_wins_the_other_gets_410(hold_lock):
    assert connection.vendor == "postgresql"
    user = UserFactory()
    raw = make_link(user)

    results = _race(raw, hold_lock=hold_lock)

    statuses = sorted(status for status, _body in results.values())
    assert statuses == [200, 410], results
    winner = next(p for p, (status, _body) in results.items() if status == 200)
    loser = next(p for p, (status, _body) in results.items() if status == 410)
    assert results[loser][1]["code"] == "token_invalid"
    user.refresh_from_db()
    assert user.check_password(winner)
    assert not user.check_password(loser) and not user.check_password(DEFAULT_PASSWORD)
    assert user.locale == ("ru" if winner == PASSPHRASES[0] else "en")
    assert ProfileEditToken.objects.get().used_at is not None
