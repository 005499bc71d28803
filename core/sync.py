"""The "changed since" read an offline-first client syncs with.

``GET /api/v1/user/@me/walks?updated_since=<RFC 3339>`` (and the same for
reviews) answers ``{"results": [...], "deleted": [...], "server_time"}``:
the rows changed at or after ``updated_since``, oldest change first, and
the tombstones of the rows deleted since then. The client keeps
``server_time`` and sends it as the next ``updated_since``.

- ``server_time`` is a few seconds behind the moment the rows were read
  (``OVERLAP``), so a write that was committing meanwhile is sent again
  next time rather than missed; a row may come twice, never zero times.
- Tombstones are kept ``TOMBSTONE_DAYS``; an older ``updated_since`` is a
  400 ``updated_since_too_old``, and more than ``MAX_CHANGES`` rows a 400
  ``too_many_changes``: both mean "do a full sync" (the paginated list),
  and both carry the ``server_time`` to sync from afterwards.
- The read takes no other parameter (a state filter would hide a walk
  that left the state): with ``type``, ``state``, ``page`` or
  ``page_size`` (or ``cursor``) it is a 400 ``updated_since_alone``.

Each app keeps its own tombstones (``walks.WalkDeletion``,
``reviews.ReviewDeletion``), written by the services that delete and
purged daily by a beat task.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework.response import Response

from .errors import Invalid

PARAM = "updated_since"
TOMBSTONE_DAYS = 30
MAX_CHANGES = 1000
OVERLAP = timedelta(seconds=10)
ALONE = ("type", "state", "page", "page_size", "ordering", "cursor")


def server_time() -> datetime:
    """What the client sends as its next ``updated_since``: now, less the overlap."""
    return timezone.now() - OVERLAP


def tombstones_cutoff() -> datetime:
    return timezone.now() - timedelta(days=TOMBSTONE_DAYS)


def _full_sync(message: str, *, code: str) -> Invalid:
    return Invalid(message, code=code, errors={PARAM: [message]}, extra={"server_time": server_time().isoformat()})


def updated_since(request) -> datetime | None:
    """The ``updated_since`` of a request (None when absent), checked."""
    params = request.query_params
    if PARAM not in params:
        return None
    together = [name for name in ALONE if name in params]
    if together:
        message = _("updated_since cannot be combined with %(names)s.") % {"names": ", ".join(together)}
        raise Invalid(message, code="updated_since_alone", errors={PARAM: [message]})
    raw = params[PARAM]
    try:
        value = parse_datetime(raw)
        if value is not None and timezone.is_aware(value):
            value = value.astimezone(UTC)  # year 1 at +05:00 does not exist in UTC: OverflowError
    except (ValueError, OverflowError):
        value = None
    if value is None or timezone.is_naive(value):
        message = _("Give a date and time with its offset (RFC 3339), e.g. 2026-01-31T12:00:00Z.")
        raise Invalid(message, code="invalid_updated_since", errors={PARAM: [message]})
    if value < tombstones_cutoff():
        message = _("That is more than %(days)d days ago: read the whole list again.") % {"days": TOMBSTONE_DAYS}
        raise _full_sync(message, code="updated_since_too_old")
    return value


def changes_response(request, *, read: Callable[..., tuple[list, list]], serializer) -> Response:
    """The answer to a sync read since ``updated_since(request)``: ``read(since=,
    limit=)`` gives the changed rows and the tombstones (each at most
    ``MAX_CHANGES`` + 1), ``serializer`` shapes ``{results, deleted, server_time}``."""
    since = updated_since(request)
    now = server_time()
    rows, deleted = read(since=since, limit=MAX_CHANGES)
    if len(rows) + len(deleted) > MAX_CHANGES:
        raise too_many_changes()
    changes = {"results": rows, "deleted": deleted, "server_time": now}
    return Response(serializer(changes, context={"request": request}).data)


def too_many_changes() -> Invalid:
    message = _("More than %(n)d changes: read the whole list again.") % {"n": MAX_CHANGES}
    return _full_sync(message, code="too_many_changes")


ERROR_CODES = ["invalid_updated_since", "updated_since_too_old", "too_many_changes", "updated_since_alone"]
