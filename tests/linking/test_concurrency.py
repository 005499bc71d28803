"""Races, on PostgreSQL where row locks are real (SQLite serialises every write)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from accounts.models import User
from core.errors import ServiceError
from linking import services
from linking.models import LinkSecret, LinkStatus
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls):
    """Run the calls at the same moment in threads; return each one's result or error."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except ServiceError as exc:
            results[i] = exc
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.parametrize("round_", range(5))
def test_two_confirmations_at_once_make_exactly_one_link(round_, mailoutbox):
    a, b = UserFactory(), UserFactory()
    secret = services.link_offer_create(user=a, email=b.email).secret
    results = race(*[lambda: services.link_confirm(user=b, secret=secret)] * 4)
    ok = [r for r in results if isinstance(r, LinkSecret)]
    errors = [r for r in results if not isinstance(r, LinkSecret)]
    assert len(ok) == 1, results
    assert all(isinstance(e, ServiceError) and e.code == "link_used" and e.status == 410 for e in errors), errors
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.group_uuid == b.group_uuid is not None
    assert LinkSecret.objects.get().status == LinkStatus.FIN


def test_one_account_accepted_by_two_hosts_at_once_joins_one_group():
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    to_b = services.link_offer_create(user=a, email=b.email).secret
    to_c = services.link_offer_create(user=a, email=c.email).secret
    results = race(
        lambda: services.link_confirm(user=b, secret=to_b),
        lambda: services.link_confirm(user=c, secret=to_c),
    )
    ok = [r for r in results if isinstance(r, LinkSecret)]
    assert len(ok) == 1, results
    loser = next(r for r in results if not isinstance(r, LinkSecret))
    assert isinstance(loser, ServiceError) and loser.status in (409, 410), loser
    a.refresh_from_db()
    host = ok[0].target_user
    assert a.group_uuid == User.objects.get(pk=host.pk).group_uuid is not None
    assert User.objects.filter(group_uuid=a.group_uuid).count() == 2


def test_two_offers_to_the_same_account_at_once_leave_one_open():
    a, b = UserFactory(), UserFactory()
    results = race(*[lambda: services.link_offer_create(user=a, email=b.email)] * 3)
    assert all(not isinstance(r, Exception) for r in results), results
    assert LinkSecret.objects.filter(status__in=[LinkStatus.SYN, LinkStatus.ACK]).count() == 1
    assert LinkSecret.objects.filter(status=LinkStatus.CANCELLED).count() == 2


def test_a_join_racing_a_leave_ends_consistent():
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    services.link_confirm(user=b, secret=services.link_offer_create(user=a, email=b.email).secret)
    secret = services.link_offer_create(user=c, email=b.email).secret
    a.refresh_from_db()
    results = race(
        lambda: services.group_leave(user=a),
        lambda: services.link_confirm(user=b, secret=secret),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    a.refresh_from_db()
    b.refresh_from_db()
    c.refresh_from_db()
    assert a.group_uuid is None
    assert b.group_uuid == c.group_uuid is not None
    assert User.objects.filter(group_uuid=b.group_uuid).count() == 2
