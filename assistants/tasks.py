from __future__ import annotations

from celery import shared_task

from .services import oauth_purge


@shared_task
def purge_oauth() -> int:
    return oauth_purge()
