from __future__ import annotations

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_kwargs={"max_retries": 5}, ignore_result=True)
def recompute_title_rating(title_id: int) -> None:
    # No longer queued by the review writes (they mark the title and queue
    # drain_rating_marks); kept for the tasks a broker still holds from
    # before, and as the one-title recompute.
    services.title_rating_recompute(title_id=title_id)


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_kwargs={"max_retries": 5}, ignore_result=True)
def drain_rating_marks() -> int:
    return services.title_rating_marks_drain()


@shared_task(ignore_result=True)
def reconcile_all_ratings(batch_size: int = 1000) -> int:
    fixed = services.title_ratings_reconcile(batch_size=batch_size)
    if fixed:
        logger.info("reconciled the ratings of %d titles", fixed)
    return fixed


@shared_task(autoretry_for=(Exception,), retry_backoff=True, retry_kwargs={"max_retries": 5}, ignore_result=True)
def recompute_title_ratings(title_ids: list[int]) -> None:
    services.title_ratings_recompute(title_ids=title_ids)


@shared_task(ignore_result=True)
def purge_review_deletions() -> int:
    return services.review_deletions_purge()
