"""A password-restore request does the same work whether or not the address
has an account (issue 12, finding 8): one queued task either way, which
decides what to send, and the same queries in the request."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services
from config.celery import app as celery_app
from core import broker
from tests.factories import UserFactory


@pytest.fixture
def not_eager():
    """Tasks go to the (stand-in) broker, as in production; conftest restores eager mode."""
    celery_app.conf.task_always_eager = False


@pytest.fixture
def queued(monkeypatch, not_eager):
    """The tasks the request hands to the broker (the broker is the edge; a worker runs them later)."""
    calls = []
    monkeypatch.setattr(broker, "enqueue", lambda task, *, args=(), kwargs=None, **o: calls.append((task.name, kwargs)))
    return calls


def _request(email, ip, django_capture_on_commit_callbacks):
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        services.password_restore_request(email=email, ip=ip)
    return [q["sql"] for q in queries.captured_queries]


def test_both_paths_enqueue_one_task_and_make_the_same_queries(db, queued, django_capture_on_commit_callbacks):
    user = UserFactory(email="known@example.com")
    known_sql = _request(user.email, "198.51.100.1", django_capture_on_commit_callbacks)
    known_tasks = list(queued)
    queued.clear()
    unknown_sql = _request("unknown@example.com", "198.51.100.2", django_capture_on_commit_callbacks)
    unknown_tasks = list(queued)
    assert len(known_tasks) == len(unknown_tasks) == 1
    assert known_tasks[0][0] == unknown_tasks[0][0] == "accounts.password_restore_send"
    assert known_tasks[0][1] == {"email": "known@example.com"}
    assert unknown_tasks[0][1] == {"email": "unknown@example.com"}
    assert len(known_sql) == len(unknown_sql)  # no account lookup in the request at all
    assert known_sql == [] and unknown_sql == []


def test_the_task_sends_the_code_to_an_account_and_nothing_otherwise(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.tasks import password_restore_send

    user = UserFactory(email="known@example.com")
    inactive = UserFactory(email="off@example.com", is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        password_restore_send.delay(email="unknown@example.com")
        password_restore_send.delay(email=inactive.email)
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        password_restore_send.delay(email=user.email)
    assert [m.to for m in mailoutbox] == [[user.email]]


def test_a_refused_queue_is_a_503_and_the_address_can_ask_again(
    db, monkeypatch, not_eager, django_capture_on_commit_callbacks
):
    from core.errors import Unavailable

    def refuse(task, **kwargs):
        raise broker.BrokerUnavailable("down")

    monkeypatch.setattr(broker, "enqueue", refuse)
    with pytest.raises(Unavailable), django_capture_on_commit_callbacks(execute=True):
        services.password_restore_request(email="a@example.com", ip="198.51.100.3")
    monkeypatch.setattr(broker, "enqueue", lambda task, **kwargs: None)
    with django_capture_on_commit_callbacks(execute=True):
        services.password_restore_request(email="a@example.com", ip="198.51.100.3")  # not "sent a moment ago"
