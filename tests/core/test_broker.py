"""core.broker: queueing from a request while the broker is down costs
one fast failure, then nothing for a few seconds."""

from __future__ import annotations

import socket
import time

import pytest
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from core import broker
from core.errors import Unavailable
from core.mail import send_notice, send_required
from reviews.tasks import recompute_title_rating


@pytest.fixture(autouse=True)
def _closed_breaker():
    broker.reset()
    yield
    broker.reset()


@pytest.fixture
def not_eager():
    celery_app.conf.task_always_eager = False  # conftest's _eager_celery restores it


@pytest.fixture
def dead_broker(not_eager):
    """A connection to a port nobody listens on, with the project's broker options."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free once closed: connections are refused
    connection = celery_app.connection_for_write(f"redis://127.0.0.1:{port}/0")
    yield connection
    connection.release()


@pytest.fixture
def failing_publish(monkeypatch, not_eager):
    calls = []

    def apply_async(*args, **kwargs):
        calls.append(kwargs)
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(recompute_title_rating, "apply_async", apply_async)
    return calls


def test_a_refused_connection_fails_fast_with_the_project_broker_options(dead_broker):
    # kombu's defaults spend 0.6 s (retries at 0, 0.2 and 0.4 s) per publish;
    # config/settings.py bounds it to one quick retry.
    started = time.perf_counter()
    with pytest.raises(broker.BrokerUnavailable):
        broker.enqueue(recompute_title_rating, args=(1,), connection=dead_broker)
    assert time.perf_counter() - started < 0.3
    assert broker.is_open()


def test_while_open_nothing_is_tried(failing_publish, caplog):
    with pytest.raises(broker.BrokerUnavailable):
        broker.enqueue(recompute_title_rating, args=(1,))
    for _ in range(5):
        with pytest.raises(broker.BrokerUnavailable):
            broker.enqueue(recompute_title_rating, args=(1,))
    assert len(failing_publish) == 1
    assert [r.levelname for r in caplog.records if r.name == "core.broker"] == ["ERROR"]  # logged once


def test_after_the_pause_it_tries_again_and_recovers(failing_publish, monkeypatch, caplog):
    with pytest.raises(broker.BrokerUnavailable):
        broker.enqueue(recompute_title_rating, args=(1,))
    later = time.monotonic() + broker.BREAKER_SECONDS + 1
    monkeypatch.setattr(broker.time, "monotonic", lambda: later)
    assert not broker.is_open()
    with pytest.raises(broker.BrokerUnavailable):  # tried again, still down: open again
        broker.enqueue(recompute_title_rating, args=(1,))
    assert len(failing_publish) == 2
    assert broker.is_open()

    published = []
    monkeypatch.setattr(recompute_title_rating, "apply_async", lambda **kw: published.append(kw))
    monkeypatch.setattr(broker.time, "monotonic", lambda: later + broker.BREAKER_SECONDS + 1)
    broker.enqueue(recompute_title_rating, args=(7,))
    assert published == [{"args": (7,), "kwargs": None}]
    assert not broker.is_open()
    messages = [r.getMessage() for r in caplog.records if r.name == "core.broker"]
    assert len(messages) == 2 and "reachable again; 2 task(s)" in messages[1]


def test_eager_tasks_bypass_the_breaker(db):
    broker.enqueue(recompute_title_rating, args=(987654,))  # eager (conftest): runs, no broker
    assert not broker.is_open()


@pytest.mark.django_db
def test_an_email_fails_at_once_while_the_broker_is_known_down(
    monkeypatch, not_eager, django_capture_on_commit_callbacks
):
    from core.tasks import send_email

    calls = []

    def apply_async(*args, **kwargs):
        calls.append(kwargs)
        raise OperationalError("connection refused")

    monkeypatch.setattr(send_email, "apply_async", apply_async)
    for _ in range(2):
        with pytest.raises(Unavailable), django_capture_on_commit_callbacks(execute=True):
            send_required(template="tests/test_ping", to="a@example.com", context={"word": "x"}, locale="en")
    assert len(calls) == 1  # the second was refused without trying the broker


@pytest.mark.django_db
def test_a_notice_that_cannot_be_queued_is_logged_and_never_raised(
    monkeypatch, not_eager, django_capture_on_commit_callbacks, caplog
):
    from core.tasks import send_email

    calls = []

    def apply_async(*args, **kwargs):
        calls.append(kwargs)
        raise OperationalError("connection refused")

    monkeypatch.setattr(send_email, "apply_async", apply_async)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_notice(template="tests/test_ping", to="a@example.com", context={"word": "x"}, locale="en")
    assert len(callbacks) == 1 and len(calls) == 1  # queued on commit, tried once, refused
    assert [r.levelname for r in caplog.records if r.name == "core.mail"] == ["ERROR", "WARNING"]
