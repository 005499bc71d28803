from __future__ import annotations

from celery import shared_task

from . import services, tally


@shared_task(ignore_result=True)
def purge_walk_deletions() -> int:
    return services.walk_deletions_purge()


@shared_task(ignore_result=True)
def reconcile_walk_tallies(batch_size: int = 2000) -> dict[str, int]:
    return tally.tally_reconcile(batch_size=batch_size)
