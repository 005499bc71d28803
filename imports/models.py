"""An import job and its rows: what the file held, what was planned for
each row at the preview, and what was done (the per-row report)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    LETTERBOXD = "letterboxd", "Letterboxd"
    IMDB = "imdb", "IMDb"
    MAL = "mal", "MyAnimeList"
    HLTB = "hltb", "HowLongToBeat"
    WALKS = "walks", _("Walks export")


class Mode(models.TextChoices):
    NEW = "new", _("Add what is new, keep what is there")
    OVERWRITE = "overwrite", _("Let the file's ratings and states win")


class Status(models.TextChoices):
    PREVIEW = "preview", _("Waiting for confirmation")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


ACTIVE = (Status.QUEUED, Status.RUNNING)


class Held(models.TextChoices):
    """What MyAnimeList's On-Hold and Dropped become."""

    IN_PROGRESS = "in_progress", _("In progress")
    SKIP = "skip", _("Skip them")


class ImportJob(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.NEW)
    held = models.CharField(max_length=16, choices=Held.choices, default=Held.IN_PROGRESS)
    filename = models.CharField(_("file"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREVIEW)
    total = models.PositiveIntegerField(default=0)
    # Rows [0, done) have been imported and committed, batch by batch: a
    # worker that dies resumes from here.
    done = models.PositiveIntegerField(default=0)
    # The preview's plan ({"match", "create", "skip", "held", "reasons"}) and the run's results.
    plan = models.JSONField(default=dict)
    counts = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            # One import at a time per person.
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status__in=ACTIVE), name="imports_one_active_per_user"
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="import_user_recent")]

    def __str__(self) -> str:
        return f"{self.source} import #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100


class Plan(models.TextChoices):
    MATCH = "match", _("Matches a title")
    CREATE = "create", _("Creates a title")
    SKIP = "skip", _("Skipped")


class ImportRow(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    index = models.PositiveIntegerField()
    line = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict)
    plan = models.CharField(max_length=8, choices=Plan.choices)
    reason = models.CharField(max_length=300, blank=True)
    title = models.ForeignKey("catalog.Title", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="imports_row_job_index_unique")]
        ordering = ["index"]
