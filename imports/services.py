"""Moving in and out: import jobs, title merges and leaving the site.

This app sits at the top layer, so it is where work that spans the tracker
apps is orchestrated: an import writes walks, reviews and the watchlist
through their apps' bulk services; a merge moves a title's walks and
reviews before the catalogue deletes it; deleting an account deletes each
app's data through that app's own service, then the account itself
(accounts is below walks and reviews and may not reach up to them).

An import: :func:`import_upload` parses the file (by content, size-capped)
and plans each row against the catalogue (the preview); :func:`import_confirm`
queues the job; :func:`import_run` (the Celery task) imports it batch by
batch, each batch one transaction that also records the job's progress, so
a worker that dies mid-way resumes from its last committed batch.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.services import account_delete_verify, user_delete
from catalog.models import Title
from catalog.permissions import catalog_permission_check
from catalog.services import title_absorb_catalog, title_delete, titles_create_imported
from core import broker, ratelimit
from core.errors import Conflict, Invalid, NotFound, ServiceError
from core.ratelimit import Limit
from linking.services import group_leave
from reviews.services import (
    reviews_bulk_upsert,
    reviews_delete_all_for_user,
    reviews_forget_title,
    reviews_move_to_title,
)
from walks.services import (
    walks_bulk_upsert,
    walks_delete_all_for_user,
    walks_forget_title,
    walks_move_to_title,
    watchlist_bulk_add,
    watchlist_delete_all_for_user,
)

from .matching import create_key, match_rows
from .models import ACTIVE, Held, ImportJob, ImportRow, Mode, Plan, Source, Status
from .sources import PARSERS
from .sources.base import Row, read_upload

logger = logging.getLogger(__name__)

BATCH = 500
# A queued or running job that has not moved for this long lost its worker
# (or its task): it is queued again, up to MAX_ATTEMPTS times, then failed.
STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3


def uploads_per_user() -> Limit:
    return ratelimit.limit("import-upload-user")


def exports_per_user() -> Limit:
    return ratelimit.limit("export-user")


def _clean_choice(value: str | None, choices, *, field: str, default: str) -> str:
    value = value or default
    if value not in choices.values:
        message = _("Choose one of: %(c)s.") % {"c": ", ".join(choices.values)}
        raise Invalid(f"{field}: {message}", code=f"invalid_{field}", errors={field: [message]})
    return value


def _busy() -> Conflict:
    return Conflict(_("An import of yours is already running. Wait for it to finish."), code="import_running")


# --- Upload and preview -----------------------------------------------------------------


def import_upload(*, user, source: str, upload, mode: str = Mode.NEW, held: str = Held.IN_PROGRESS) -> ImportJob:
    """Parse the file and plan every row: the preview. Refuses a file that is
    too large (413) or not this source's export (415), and a second import
    while one is running (409). An earlier unconfirmed preview is replaced."""
    source = _clean_choice(source, Source, field="source", default="")
    mode = _clean_choice(mode, Mode, field="mode", default=Mode.NEW)
    held = _clean_choice(held, Held, field="held", default=Held.IN_PROGRESS)
    if upload is None:
        message = _("Choose the file to import.")
        raise Invalid(message, code="file_required", errors={"file": [message]})
    if ImportJob.objects.filter(user=user, status__in=ACTIVE).exists():
        raise _busy()
    uploads_per_user().check(str(user.pk))
    data = read_upload(upload)
    filename = str(getattr(upload, "name", "") or "")[:200]
    rows = PARSERS[source](data, filename=filename)
    if not rows:
        raise Invalid(_("The file has no rows to import."), code="file_no_rows")
    with transaction.atomic():
        ImportJob.objects.filter(user=user, status=Status.PREVIEW).delete()
        job = ImportJob.objects.create(
            user=user, source=source, mode=mode, held=held, filename=filename, total=len(rows)
        )
        planned: list[ImportRow] = []
        for start in range(0, len(rows), BATCH * 2):
            chunk = rows[start : start + BATCH * 2]
            for offset, (row, (title_id, how)) in enumerate(zip(chunk, match_rows(chunk), strict=True)):
                planned.append(_planned(job, start + offset, row, title_id, how))
        ImportRow.objects.bulk_create(planned, batch_size=1000)
        job.plan = _plan_counts(planned)
        job.save(update_fields=["plan"])
    return job


def _planned(job: ImportJob, index: int, row: Row, title_id: int | None, how: str) -> ImportRow:
    if row.skip:
        plan, reason = Plan.SKIP, row.skip
    elif title_id:
        plan, reason = Plan.MATCH, how
    else:
        plan, reason = Plan.CREATE, ""
    return ImportRow(
        job=job,
        index=index,
        line=row.line,
        name=row.name[:200],
        data=row.as_data(),
        plan=plan,
        reason=str(reason)[:300],
        title_id=title_id,
    )


def _plan_counts(rows: list[ImportRow]) -> dict[str, Any]:
    plans = Counter(r.plan for r in rows)
    reasons = Counter(r.reason for r in rows if r.plan == Plan.SKIP)
    return {
        "match": plans[Plan.MATCH],
        "create": plans[Plan.CREATE],
        "skip": plans[Plan.SKIP],
        "held": sum(1 for r in rows if r.data.get("held") and r.plan != Plan.SKIP),
        "reasons": dict(reasons.most_common(20)),
    }


def _own_job(*, user, job_id: int, lock: bool = False) -> ImportJob:
    qs = ImportJob.objects.filter(pk=job_id, user=user)
    job = (qs.select_for_update() if lock else qs).first()
    if job is None:
        raise NotFound(_("No such import."), code="import_not_found")
    return job


def import_confirm(*, user, job_id: int, held: str | None = None) -> ImportJob:
    """Queue the previewed job (the MyAnimeList On-Hold/Dropped choice may
    be changed here). The task is sent once the job is committed."""
    with transaction.atomic():
        job = _own_job(user=user, job_id=job_id, lock=True)
        if job.status != Status.PREVIEW:
            raise Conflict(_("This import was already started."), code="import_started")
        if held is not None:
            job.held = _clean_choice(held, Held, field="held", default=Held.IN_PROGRESS)
        job.status = Status.QUEUED
        try:
            with transaction.atomic():
                job.save(update_fields=["status", "held", "updated_at"])
        except IntegrityError:
            raise _busy() from None
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from .tasks import run_import

    try:
        broker.enqueue(run_import, args=(job_id,))
    except broker.BrokerUnavailable:
        # The stale-job sweep queues it again once the broker is back.
        logger.warning("import #%s not queued: broker unavailable", job_id)


@transaction.atomic
def import_cancel(*, user, job_id: int) -> None:
    """Drop a preview that was not confirmed."""
    job = _own_job(user=user, job_id=job_id, lock=True)
    if job.status != Status.PREVIEW:
        raise Conflict(_("This import was already started."), code="import_started")
    job.delete()


# --- The run ------------------------------------------------------------------------------


def import_run(*, job_id: int) -> ImportJob | None:
    """Import a queued job's rows, a batch per transaction, from where it
    stopped. A row that fails is reported and the others go on; an error
    outside the rows fails the job, keeping what its committed batches did."""
    try:
        while _batch_run(job_id):
            pass
    except Exception as exc:
        logger.exception("import #%s failed", job_id)
        ImportJob.objects.filter(pk=job_id, status__in=ACTIVE).update(
            status=Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
    return ImportJob.objects.filter(pk=job_id).first()


@transaction.atomic
def _batch_run(job_id: int) -> bool:
    """One batch, committed with the job's progress. False when nothing is left."""
    job = ImportJob.objects.select_for_update().filter(pk=job_id).select_related("user").first()
    if job is None or job.status not in ACTIVE:
        return False
    rows = list(job.rows.filter(index__gte=job.done).order_by("index")[:BATCH])
    if not rows:
        job.status = Status.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at", "updated_at"])
        return False
    if job.status == Status.QUEUED:
        job.status = Status.RUNNING
    counts = Counter(job.counts)
    try:
        with transaction.atomic():
            _import_rows(job, rows, counts)
    except Exception as exc:
        logger.warning("import #%s: batch at row %s failed (%s); row by row", job.pk, rows[0].index, exc)
        counts = Counter(job.counts)
        for row in rows:
            try:
                with transaction.atomic():
                    _import_rows(job, [row], counts)
            except Exception as row_exc:
                detail = row_exc.detail if isinstance(row_exc, ServiceError) else type(row_exc).__name__
                row.outcome = (_("failed: %(e)s") % {"e": detail})[:300]
                counts["failed"] += 1
                ImportRow.objects.filter(pk=row.pk).update(outcome=row.outcome)
    job.done = rows[-1].index + 1
    job.counts = dict(counts)
    job.attempts = 0
    job.save(update_fields=["done", "counts", "status", "attempts", "updated_at"])
    return True


def _import_rows(job: ImportJob, rows: list[ImportRow], counts: Counter) -> None:
    """Write one batch: constant queries whatever its size (match, create
    the missing titles, walks, reviews and watchlist in bulk, the report)."""
    user = job.user
    overwrite = job.mode == Mode.OVERWRITE
    parsed = {r.pk: Row.from_data(r.data) for r in rows}
    live = [r for r in rows if r.plan != Plan.SKIP]
    outcome: dict[int, list[str]] = {r.pk: [] for r in rows}
    for r in rows:
        if r.plan == Plan.SKIP:
            outcome[r.pk].append(_("skipped: %(r)s") % {"r": r.reason})
            counts["skipped"] += 1
    held_skip = job.held == Held.SKIP
    kept = []
    for r in live:
        if parsed[r.pk].held and held_skip:
            outcome[r.pk].append(_("skipped: On-Hold or Dropped, as you chose"))
            counts["skipped"] += 1
        else:
            kept.append(r)
    # Titles may have appeared since the preview (an earlier batch created one).
    for r, (title_id, _how) in zip(kept, match_rows([parsed[r.pk] for r in kept]), strict=True):
        r.title_id = title_id
    missing: dict[tuple, list[ImportRow]] = {}
    for r in kept:
        if r.title_id is None:
            missing.setdefault(create_key(parsed[r.pk]), []).append(r)
    if missing:
        items = []
        for group in missing.values():
            row = parsed[group[0].pk]
            year = row.year or row.year_guess or timezone.now().year
            ids = {k: v for k, v in (("imdb", row.imdb), ("mal", row.mal)) if v}
            items.append({"name": row.name, "type": row.type, "release_year": year, "external_ids": ids})
        created = titles_create_imported(items=items, origin=f"import:{job.source}")
        for title, group in zip(created, missing.values(), strict=True):
            counts["created_titles"] += 1
            for r in group:
                r.title_id = title.pk
                note = _("title created")
                if not parsed[r.pk].year:
                    note = _("title created (the file has no year: %(y)d assumed)") % {"y": title.release_year}
                outcome[r.pk].append(note)
    for r in kept:
        if r.plan == Plan.MATCH:
            counts["matched"] += 1
    states = {r.title_id: parsed[r.pk].state for r in kept if parsed[r.pk].state}
    reviews = {r.title_id: (parsed[r.pk].rating, parsed[r.pk].text) for r in kept if parsed[r.pk].rating is not None}
    wanted = [r.title_id for r in kept if parsed[r.pk].watchlist and not parsed[r.pk].state]
    walk_result = walks_bulk_upsert(user=user, states=states, overwrite=overwrite)
    review_result = reviews_bulk_upsert(user=user, reviews=reviews, overwrite=overwrite)
    watch_result = watchlist_bulk_add(user=user, title_ids=wanted)
    words = {
        "walk": {"created": _("walk added"), "updated": _("walk updated"), "kept": _("walk already there")},
        "review": {"created": _("review added"), "updated": _("review updated"), "kept": _("review kept")},
        "watchlist": {
            "created": _("added to the watchlist"),
            "kept": _("already on the watchlist"),
            "walked": _("not added to the watchlist: already started"),
        },
    }
    for r in kept:
        row = parsed[r.pk]
        did = []
        if row.state:
            what = walk_result[r.title_id]
            did.append(("walk", what))
        if row.rating is not None:
            did.append(("review", review_result[r.title_id]))
        if row.watchlist and not row.state:
            did.append(("watchlist", watch_result[r.title_id]))
        for kind, what in did:
            outcome[r.pk].append(words[kind][what])
            counts[f"{kind}_{what}"] += 1
        if did and all(what in ("kept", "walked") for _kind, what in did):
            counts["unchanged"] += 1
        outcome[r.pk].extend(row.notes)
    for r in rows:
        r.outcome = "; ".join(str(o) for o in outcome[r.pk])[:300]
    _report_write(rows)


def _report_write(rows: list[ImportRow]) -> None:
    """The report: each row's outcome and title, in one statement per batch
    (``bulk_update``'s UPDATE ... CASE over 500 rows costs seconds on
    PostgreSQL). PostgreSQL joins the rows to three arrays; elsewhere the
    rows are deleted and inserted again (SQLite does that in milliseconds,
    and it needs no SQL of its own)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ImportRow._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS r SET outcome = v.outcome, title_id = v.title_id"  # noqa: S608 - the table name only
                " FROM unnest(%s::bigint[], %s::text[], %s::bigint[]) AS v(id, outcome, title_id)"
                " WHERE r.id = v.id",
                [[r.pk for r in rows], [r.outcome for r in rows], [r.title_id for r in rows]],
            )
        return
    ImportRow.objects.filter(pk__in=[r.pk for r in rows])._raw_delete(ImportRow.objects.db)
    ImportRow.objects.bulk_create(rows, batch_size=BATCH)


def imports_resume_stale() -> int:
    """Queue again the jobs whose worker died (nothing moved for
    ``STALE_AFTER``); after ``MAX_ATTEMPTS`` tries a job is failed, with its
    counts saying what it did. Returns how many were touched."""
    cutoff = timezone.now() - STALE_AFTER
    touched = 0
    for job in ImportJob.objects.filter(status__in=ACTIVE, updated_at__lt=cutoff):
        if job.attempts >= MAX_ATTEMPTS:
            ImportJob.objects.filter(pk=job.pk).update(
                status=Status.FAILED,
                error=_("The import stopped after %(n)d of %(t)d rows.") % {"n": job.done, "t": job.total},
                finished_at=timezone.now(),
            )
        else:
            ImportJob.objects.filter(pk=job.pk).update(attempts=job.attempts + 1, updated_at=timezone.now())
            _enqueue(job.pk)
        touched += 1
    return touched


# --- Title merges and removals (curators) -------------------------------------------------


@transaction.atomic
def title_remove(*, actor, title: Title) -> None:
    """Delete a title for good: its walks and reviews go with it, and leave
    tombstones so that the people's apps drop them at their next sync
    (core.sync). Every door deletes a title through here."""
    catalog_permission_check(user=actor, action="delete")
    walks_forget_title(title_id=title.pk)
    reviews_forget_title(title_id=title.pk)
    title_delete(actor=actor, title=title)


@transaction.atomic
def title_merge(*, actor, source: Title, target: Title) -> Title:
    """Merge the duplicate ``source`` into ``target``: walks, reviews and
    watchlist entries move (a person who has both keeps the target's), both
    ratings are recomputed, the external ids move, and ``source`` is deleted."""
    catalog_permission_check(user=actor, action="delete")
    if source.pk == target.pk:
        raise Invalid(_("A title cannot be merged into itself."), code="merge_same_title")
    if source.type != target.type:
        raise Invalid(_("Only titles of the same type can be merged."), code="merge_type_mismatch")
    walks_move_to_title(source_id=source.pk, target_id=target.pk)
    reviews_move_to_title(source_id=source.pk, target_id=target.pk)
    title_absorb_catalog(actor=actor, source=source, target=target)
    return target


# --- Leaving the site ----------------------------------------------------------------------


def account_delete(*, user, password: str | None = None, code: str | None = None) -> None:
    """Delete the account and everything personal, once confirmed by the
    password (or the e-mailed code of an account without one).

    Each app deletes its own data through its own service: the reviews
    (the titles' ratings recomputed), the walks, the watchlist, the imports,
    the place in a linked group (the others are told); then accounts
    deletes the profile, avatar file, tokens, sessions, codes and the user
    (link secrets and profile-edit tokens go with the row) and sends a last
    e-mail.
    """
    account_delete_verify(user=user, password=password, code=code)
    if user.group_uuid:
        with contextlib.suppress(ServiceError):  # alone in the group already
            group_leave(user=user)
    with transaction.atomic():
        reviews_delete_all_for_user(user=user)
        walks_delete_all_for_user(user=user)
        watchlist_delete_all_for_user(user=user)
        ImportJob.objects.filter(user=user).delete()
        user_delete(user=user)
