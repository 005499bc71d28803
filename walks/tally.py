"""A person's walk counts per (title type, state), kept rather than counted.

The profile shows how many walks a person has of each type (in each
state). Counting them is a GROUP BY over all their walks, which grows with
the library; :class:`walks.models.WalkTally` keeps the numbers instead, and
every writer of walks changes them in its own transaction:

- one walk (walks.services): :func:`tally_walk_change` when the writer knows
  the state before and after, :func:`tally_walk_set` (called *before* the
  write) when it does not;
- many walks (imports, account deletion, title merges, demo data, the
  benchmark's fill): :func:`tally_recount` for those people after the write;
- a title whose type changes: :func:`tally_title_retype`; one about to be
  deleted: :func:`tally_title_forget`.

Every change is an atomic ``count = count + delta`` in the database
(an ``INSERT ... ON CONFLICT DO UPDATE``), never a read-modify-write in
Python, so concurrent writes never lose a count. A path that escapes all of
this (a raw SQL edit, a writer someone forgets) is repaired by
:func:`tally_reconcile`, hourly (``walks.tasks.reconcile_walk_tallies``) and
from ``manage.py walk_tallies_reconcile``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Subquery

from catalog.models import Title

from .models import Walk, WalkTally

logger = logging.getLogger(__name__)

TALLY = WalkTally._meta.db_table
WALK = Walk._meta.db_table
TITLE = Title._meta.db_table

# Add each row's delta to the kept count, creating the row at the delta.
_ADD = f"ON CONFLICT (user_id, type, state) DO UPDATE SET count = {TALLY}.count + excluded.count"


def tally_walk_change(*, user_id: int, title_id: int, old_state: str | None, new_state: str | None) -> None:
    """One walk of the title changed from ``old_state`` to ``new_state``
    (None: there was none / there is none now). One statement; the title's
    type is read by the statement itself. The caller holds the walk's row
    lock (or writes it in this transaction)."""
    if old_state == new_state:
        return
    # In the order of the tally's key (one type here, so by state): two
    # writes of one person that move walks in opposite directions (A to B,
    # B to A) lock the two rows in the same order and never deadlock.
    deltas = sorted((s, d) for s, d in ((old_state, -1), (new_state, 1)) if s)
    # A compound SELECT, each part with its WHERE (SQLite needs one before ON CONFLICT).
    parts = " UNION ALL ".join(f"SELECT %s, type, %s, {d} FROM {TITLE} WHERE id = %s" for _s, d in deltas)  # noqa: S608
    params: list = []
    for state, _d in deltas:
        params += [user_id, state, title_id]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TALLY} (user_id, type, state, count) {parts} {_ADD}", params)


def tally_walk_set(*, user_id: int, title_id: int, state: str | None) -> None:
    """The person's walk of the title is about to be set to ``state`` (None:
    deleted), by a write that follows in this transaction and does not tell
    what was there before (an upsert). Reads the walk's state now, under a
    lock on the person's row, so that two writes of one person's walks (a
    double click on "start") take turns instead of both counting a new walk."""
    user_model = get_user_model()
    list(user_model.objects.select_for_update(no_key=True).filter(pk=user_id).values_list("pk"))
    old = Walk.objects.select_for_update().filter(user_id=user_id, title_id=title_id).values_list("state", flat=True)
    tally_walk_change(user_id=user_id, title_id=title_id, old_state=next(iter(old), None), new_state=state)


def tally_walk_before(*, user_id: int, title_id: int) -> str | None:
    """The state of the person's walk of the title (None: they have none),
    its row locked until the transaction ends: read before an upsert that
    does not tell what it replaced, for :func:`tally_walk_upserted`."""
    old = Walk.objects.select_for_update().filter(user_id=user_id, title_id=title_id).values_list("state", flat=True)
    return next(iter(old), None)


def tally_walk_upserted(*, user_id: int, title_id: int, before: str | None, created: bool, state: str) -> None:
    """An upsert set the walk to ``state``: ``before`` is what
    :func:`tally_walk_before` read, ``created`` whether the upsert inserted.
    One statement; when another transaction inserted the walk between the
    two (a double click on "start": nothing to read, yet no insert), this
    person's counts are counted afresh instead."""
    if created or before is not None:
        tally_walk_change(user_id=user_id, title_id=title_id, old_state=None if created else before, new_state=state)
    else:
        tally_recount(user_ids=[user_id])


def tally_recount(*, user_ids: Iterable[int]) -> None:
    """Count these people's walks afresh: their rows deleted, then one
    ``INSERT ... SELECT ... GROUP BY`` (for the bulk writers, after their write)."""
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        marks = ", ".join(["%s"] * len(chunk))
        WalkTally.objects.filter(user_id__in=chunk).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TALLY} (user_id, type, state, count) "  # noqa: S608
                f"SELECT w.user_id, t.type, w.state, COUNT(*) FROM {WALK} w JOIN {TITLE} t ON t.id = w.title_id "
                f"WHERE w.user_id IN ({marks}) GROUP BY w.user_id, t.type, w.state "
                "ON CONFLICT (user_id, type, state) DO UPDATE SET count = excluded.count",
                chunk,
            )


def tally_title_retype(*, title_id: int, old_type: str, new_type: str) -> None:
    """The title's type changed from ``old_type``: its walks count under the
    new one (two statements, whatever the number of its walks)."""
    if old_type == new_type:
        return
    walks = Walk.objects.filter(title_id=title_id, user_id=OuterRef("user_id"), state=OuterRef("state"))
    WalkTally.objects.filter(type=old_type).filter(Exists(walks)).update(count=F("count") - 1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TALLY} (user_id, type, state, count) "  # noqa: S608
            f"SELECT user_id, %s, state, 1 FROM {WALK} WHERE title_id = %s {_ADD}",
            [new_type, title_id],
        )


def tally_title_forget(*, title_id: int) -> None:
    """The title's walks are about to go (the title is deleted, by cascade):
    one fewer for each of their people (one statement)."""
    walks = Walk.objects.filter(title_id=title_id, user_id=OuterRef("user_id"), state=OuterRef("state"))
    title_type = Subquery(Title.objects.filter(pk=title_id).values("type")[:1])
    WalkTally.objects.filter(type=title_type).filter(Exists(walks)).update(count=F("count") - 1)


def tally_fresh(*, user_ids: Iterable[int] | None = None) -> dict[tuple[int, str, str], int]:
    """What the tally should hold, counted: {(user, type, state): n} (for tests and the reconcile)."""
    qs = Walk.objects.all() if user_ids is None else Walk.objects.filter(user_id__in=list(user_ids))
    rows = qs.values_list("user_id", "title__type", "state").annotate(n=Count("id")).order_by()
    return {(u, t, s): n for u, t, s, n in rows}


def tally_kept(*, user_ids: Iterable[int] | None = None) -> dict[tuple[int, str, str], int]:
    """What the tally holds, leaving out zeros: {(user, type, state): n}."""
    qs = WalkTally.objects.all() if user_ids is None else WalkTally.objects.filter(user_id__in=list(user_ids))
    return {(u, t, s): n for u, t, s, n in qs.exclude(count=0).values_list("user_id", "type", "state", "count")}


def tally_reconcile(*, batch_size: int = 2000) -> dict[str, int]:
    """Repair drift: for every batch of ``batch_size`` user ids, one statement
    compares the fresh counts with the kept ones (one snapshot, so a write
    going on meanwhile is in both or in neither), and the difference is
    *added* to the kept count, so a write that commits between the
    comparison and the repair is not undone. Returns how many rows were
    off, for how many people, and by how many walks in all."""
    report = {"rows": 0, "people": 0, "walks": 0}
    top = get_user_model().objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    compare = (
        "SELECT user_id, type, state, SUM(fresh) - SUM(kept) FROM ("  # noqa: S608
        f"SELECT w.user_id AS user_id, t.type AS type, w.state AS state, COUNT(*) AS fresh, 0 AS kept "
        f"FROM {WALK} w JOIN {TITLE} t ON t.id = w.title_id WHERE w.user_id BETWEEN %s AND %s "
        "GROUP BY w.user_id, t.type, w.state "
        f"UNION ALL SELECT user_id, type, state, 0, count FROM {TALLY} WHERE user_id BETWEEN %s AND %s"
        ") x GROUP BY user_id, type, state HAVING SUM(fresh) <> SUM(kept)"
    )
    for low in range(1, top + 1, batch_size):
        high = low + batch_size - 1
        with connection.cursor() as cursor:
            cursor.execute(compare, [low, high, low, high])
            drift = [(u, t, s, int(n)) for u, t, s, n in cursor.fetchall()]  # PostgreSQL's SUM is a numeric
        if not drift:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            marks = ", ".join(["(%s, %s, %s, %s)"] * len(drift))
            cursor.execute(
                f"INSERT INTO {TALLY} (user_id, type, state, count) VALUES {marks} {_ADD}",  # noqa: S608
                [v for row in drift for v in row],
            )
        report["rows"] += len(drift)
        report["people"] += len({row[0] for row in drift})
        report["walks"] += sum(abs(row[3]) for row in drift)
    if report["rows"]:
        logger.warning(
            "walk tallies: repaired %(rows)d counts of %(people)d people, off by %(walks)d walks in all", report
        )
    return report


@transaction.atomic
def title_update_tallied(*, actor, title: Title, **fields) -> Title:
    """catalog.services.title_update, with the walk tallies following a
    change of the title's type in the same transaction (catalog, below
    walks, cannot tell them). Every door that edits a title calls this."""
    from catalog.services import title_update

    old_type = title.type
    title = title_update(actor=actor, title=title, **fields)
    tally_title_retype(title_id=title.pk, old_type=old_type, new_type=title.type)
    return title
