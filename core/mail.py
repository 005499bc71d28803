"""E-mail: rendered from templates in the recipient's language, sent by Celery.

Callers use :func:`send_later`; the Celery task :func:`core.tasks.send_email`
calls :func:`deliver`. Templates live in ``templates/email/``: for a name N,
``N_subject.txt``, ``N.txt`` and ``N.html`` (which extends ``email/base.html``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from . import broker
from .errors import Unavailable

logger = logging.getLogger(__name__)


class FileAndConsoleEmailBackend(FileEmailBackend):
    """The embedded default: every message is a file under ``EMAIL_FILE_PATH``
    and a short notice on the console saying where it went."""

    def _get_filename(self):
        if self._fname is None:
            # Sortable by time, unique across processes and messages.
            stamp = time.strftime("%Y%m%d-%H%M%S")
            self._fname = os.path.join(
                self.file_path, f"{stamp}-{time.time_ns() % 10**9:09d}-{uuid.uuid4().hex[:8]}.eml"
            )
        return self._fname

    def send_messages(self, email_messages):
        sent = 0
        for message in email_messages:
            self._fname = None
            sent += super().send_messages([message])
            print(f"[mail] to {', '.join(message.to)}: {message.subject} -> {self._fname}", file=sys.stderr)
        return sent


def render_message(*, template: str, to: list[str], context: dict[str, Any], locale: str) -> EmailMultiAlternatives:
    with translation.override(locale):
        ctx = {"site_url": settings.SITE_URL, "site_name": "Walks", "locale": locale, **context}
        subject = " ".join(render_to_string(f"email/{template}_subject.txt", ctx).split())
        text = render_to_string(f"email/{template}.txt", ctx)
        html = render_to_string(f"email/{template}.html", ctx)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    return message


def deliver(*, template: str, to: list[str], context: dict[str, Any], locale: str, key: str) -> bool:
    """Render and send one message unless the message with this idempotency
    ``key`` was already sent. Returns whether it sent.

    At least once, not exactly once: a worker that dies after the provider
    accepted the message and before the key is recorded sends it again when
    the task is redelivered, with the same Message-ID, which lets the
    provider and the recipient's server drop the copy.
    """
    from .models import SentEmail

    if SentEmail.objects.filter(key=key).exists():
        logger.info("mail %s already sent, skipping", key)
        return False
    message = render_message(template=template, to=to, context=context, locale=locale)
    domain = settings.SITE_URL.split("://")[-1].split("/")[0].split(":")[0] or "walks.localhost"
    message_id = f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
    message.extra_headers["Message-ID"] = message_id
    message.send()
    SentEmail.objects.get_or_create(key=key, defaults={"message_id": message_id})
    return True


def send_later(
    *, template: str, to: str | list[str], context: dict[str, Any], locale: str, key: str | None = None
) -> None:
    """Queue an e-mail once the current transaction commits.

    ``context`` must be JSON-serialisable. Raises :class:`Unavailable` if the
    queue cannot take the message, so the person is told to try again instead
    of waiting for a mail that never comes.
    """
    from .tasks import send_email

    recipients = [to] if isinstance(to, str) else list(to)
    kwargs = {
        "template": template,
        "to": recipients,
        "context": context,
        "locale": locale or settings.LANGUAGE_CODE,
        "key": key or uuid.uuid4().hex,
    }

    def enqueue() -> None:
        try:
            # Fails at once while the broker is known to be down (core.broker).
            broker.enqueue(send_email, kwargs=kwargs)
        except (broker.BrokerUnavailable, BrokerError, OSError) as exc:
            logger.error("could not queue e-mail %s: %s", template, exc)
            raise Unavailable(
                _("We could not send the e-mail right now. Please try again in a minute."), code="email_unavailable"
            ) from exc

    transaction.on_commit(enqueue, robust=False)
