from __future__ import annotations

import logging

from celery import shared_task

from core.errors import ServiceError, Unavailable

from . import provider_services

logger = logging.getLogger(__name__)


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=4)
def fetch_title_cover(self, title_id: int, provider: str, url: str) -> bool:
    """A title's cover from its provider's image host."""
    try:
        return provider_services.title_cover_fetch(title_id=title_id, provider=provider, url=url)
    except Unavailable as exc:
        if self.request.is_eager:
            # In the request (no broker): the placeholder stays, the page answers.
            logger.warning("cover of title %s not fetched: %s", title_id, exc.code)
            return False
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from None
    except ServiceError as exc:  # refused (foreign host, wrong type, too large): do not retry
        logger.warning("cover of title %s refused: %s", title_id, exc.code)
        return False
