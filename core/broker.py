"""Queueing Celery tasks from a request without waiting on a dead broker.

Publishing to an unreachable broker costs every request that tries: one
connection attempt each (bounded by the broker options in
``config/settings.py``). After a failure this process stops trying for
``BREAKER_SECONDS`` and :func:`enqueue` raises :class:`BrokerUnavailable`
at once; the first call after that tries the broker again. The outage is
logged once per process when it starts and once when it ends.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

BREAKER_SECONDS = 10.0

_lock = threading.Lock()
_open_until = 0.0  # time.monotonic() before which no publish is tried
_down = False  # the last publish failed: the outage has been logged
_skipped = 0


class BrokerUnavailable(Exception):
    """The task was not queued: the broker failed now or a moment ago."""


def is_open() -> bool:
    return time.monotonic() < _open_until


def reset() -> None:
    """Forget a recent failure (tests)."""
    global _open_until, _down, _skipped
    with _lock:
        _open_until, _down, _skipped = 0.0, False, 0


def enqueue(task, *, args: tuple = (), kwargs: dict[str, Any] | None = None, **options) -> None:
    """``task.apply_async(args, kwargs, **options)``, or :class:`BrokerUnavailable`.

    Tasks that run eagerly (the embedded default, tests) never touch a broker:
    they are applied directly and their own errors pass through.
    """
    global _open_until, _down, _skipped
    if task.app.conf.task_always_eager:
        task.apply_async(args=args, kwargs=kwargs, **options)
        return
    with _lock:
        if time.monotonic() < _open_until:
            _skipped += 1
            raise BrokerUnavailable(f"broker failed less than {BREAKER_SECONDS:.0f} s ago; {task.name} not queued")
    try:
        task.apply_async(args=args, kwargs=kwargs, **options)
    except (OperationalError, OSError) as exc:
        with _lock:
            _open_until = time.monotonic() + BREAKER_SECONDS
            first, _down = not _down, True
            _skipped += 1
        if first:
            logger.error("broker unreachable (%s): this process stops queueing tasks while it is down", exc)
        raise BrokerUnavailable(str(exc)) from exc
    if _down:
        with _lock:
            was_down, skipped, _down, _skipped = _down, _skipped, False, 0
        if was_down:
            logger.warning("broker reachable again; %d task(s) were not queued meanwhile", skipped)
