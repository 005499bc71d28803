from __future__ import annotations

from celery import shared_task

from . import services


# acks_late + reject_on_worker_lost (settings): a worker killed mid-job
# gives the task back to the broker, and the run resumes from the job's
# last committed batch.
@shared_task(acks_late=True, ignore_result=True)
def run_import(job_id: int) -> None:
    services.import_run(job_id=job_id)


@shared_task(ignore_result=True)
def resume_stale_imports() -> int:
    return services.imports_resume_stale()
