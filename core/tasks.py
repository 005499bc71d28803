from __future__ import annotations

from smtplib import SMTPException
from typing import Any

from anymail.exceptions import AnymailAPIError
from celery import shared_task

from . import mail


@shared_task(
    autoretry_for=(SMTPException, OSError, AnymailAPIError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
)
def send_email(*, template: str, to: list[str], context: dict[str, Any], locale: str, key: str) -> bool:
    return mail.deliver(template=template, to=to, context=context, locale=locale, key=key)


@shared_task
def purge_sent_email_keys(days: int = 30) -> int:
    """Idempotency keys only matter while a task may still be redelivered."""
    from datetime import timedelta

    from django.utils import timezone

    from .models import SentEmail

    deleted, _ = SentEmail.objects.filter(sent_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted
