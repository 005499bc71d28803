from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def purge_walk_deletions() -> int:
    return services.walk_deletions_purge()
