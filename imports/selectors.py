"""Reads of import jobs shared by the pages and the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.utils.translation import gettext as _

from core.errors import NotFound

from .models import ImportJob, ImportRow, Plan

REPORT_COLUMNS = ("line", "name", "year", "type", "plan", "reason", "title_id", "outcome")


def user_job(*, user, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(pk=job_id, user=user).first()
    if job is None:
        raise NotFound(_("No such import."), code="import_not_found")
    return job


def user_jobs(*, user, limit: int = 10) -> list[ImportJob]:
    return list(ImportJob.objects.filter(user=user).order_by("-created_at", "-id")[:limit])


def job_samples(*, job: ImportJob, per_plan: int = 5) -> dict[str, list[ImportRow]]:
    """The first rows of each plan, for the preview (one query per plan)."""
    fields = ("id", "index", "line", "name", "data", "plan", "reason", "title_id", "outcome")
    return {
        plan: list(
            job.rows.filter(plan=plan)
            .select_related("title")
            .only(*fields, "title__name", "title__release_year")[:per_plan]
        )
        for plan in Plan.values
    }


def job_report_csv(*, job: ImportJob) -> Iterator[str]:
    """The per-row report as CSV lines, streamed from the database."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(REPORT_COLUMNS)
    yield "\ufeff" + flush()
    rows = job.rows.order_by("index").values_list("line", "name", "data", "plan", "reason", "title_id", "outcome")
    for line, name, data, plan, reason, title_id, outcome in rows.iterator(chunk_size=2000):
        writer.writerow(
            [
                line,
                _csv_safe(name),
                data.get("year", ""),
                data.get("type", ""),
                plan,
                _csv_safe(reason),
                title_id or "",
                _csv_safe(outcome),
            ]
        )
        yield flush()


def _csv_safe(value: str) -> str:
    """No formula injection when the report is opened in a spreadsheet."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def job_payload(job: ImportJob) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "source": job.source,
        "mode": job.mode,
        "held": job.held,
        "progress": {"total": job.total, "done": job.done},
        "plan": job.plan,
        "counts": job.counts,
        "error": job.error,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
