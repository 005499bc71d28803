"""E-mail: rendered from templates in the recipient's language, sent by Celery.

Callers choose one of two policies: :func:`send_required` for a message the
person waits for (it raises when the queue refuses it) and :func:`send_notice`
for a notice about a committed change (it logs and never raises). The Celery
task :func:`core.tasks.send_email` calls :func:`deliver`. Templates live with
the app that sends them: for a name ``"app/N"``, ``app/templates/app/email/``
holds ``N_subject.txt``, ``N.txt`` and ``N.html`` (which extends
``email/base.html``).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
import tempfile
import time
import uuid
from typing import Any

from anymail.backends.resend import EmailBackend as AnymailResendBackend
from anymail.backends.resend import ResendPayload
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


# Carries deliver()'s idempotency key to the backend: providers that
# deduplicate by key get it from here (see ResendEmailBackend), and so does
# the file backend below.
IDEMPOTENCY_HEADER = "Idempotency-Key"


class FileAndConsoleEmailBackend(FileEmailBackend):
    """The embedded default: every message is a file under ``EMAIL_FILE_PATH``
    and a short notice on the console saying where it went (never what it
    says: subjects and bodies carry codes and links, and consoles are logs).

    Idempotent like a provider that honours idempotency keys: a message with
    an ``Idempotency-Key`` header is accepted once, and sending it again (a
    task redelivered after its worker died between the send and recording
    it) writes nothing. The key is claimed atomically by a hard link
    ``.keys/<sha256 of key>`` to the message's file; the visible file's name
    is derived from that inode (its time, the key's hash), so every attempt,
    even one after a crash between claiming and publishing, produces the
    same single file.
    """

    def send_messages(self, email_messages):
        if not email_messages:
            return 0
        sent = 0
        for message in email_messages:
            try:
                path, new = self._accept(message)
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
            note = "" if new else " (already accepted with this key; not written again)"
            # No subject: it may carry a code, and a console is a log.
            print(f"[mail] to {', '.join(message.to)} -> {path}{note}", file=sys.stderr)
        return sent

    def _write_temp(self, message) -> str:
        fd, tmp = tempfile.mkstemp(dir=self.file_path, prefix=".tmp-", suffix=".part")
        with os.fdopen(fd, "wb") as stream:
            self.stream = stream
            try:
                self.write_message(message)
            finally:
                self.stream = None
        return tmp

    def _accept(self, message) -> tuple[str, bool]:
        """Write ``message``; return its file and whether this call wrote it."""
        key = message.extra_headers.get(IDEMPOTENCY_HEADER)
        tmp = self._write_temp(message)
        try:
            if not key:
                stamp = time.strftime("%Y%m%d-%H%M%S")
                path = os.path.join(self.file_path, f"{stamp}-{time.time_ns() % 10**9:09d}-{uuid.uuid4().hex[:8]}.eml")
                os.rename(tmp, path)
                return path, True
            digest = hashlib.sha256(key.encode()).hexdigest()
            keys = os.path.join(self.file_path, ".keys")
            os.makedirs(keys, exist_ok=True)
            claim = os.path.join(keys, digest)
            try:
                os.link(tmp, claim)
                new = True
            except FileExistsError:
                new = False
            ns = os.stat(claim).st_mtime_ns
            stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(ns / 1e9))
            path = os.path.join(self.file_path, f"{stamp}-{ns % 10**9:09d}-{digest[:8]}.eml")
            with contextlib.suppress(FileExistsError):  # published by an earlier attempt
                os.link(claim, path)
            return path, new
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


class _ResendPayload(ResendPayload):
    def set_extra_headers(self, headers):
        key = headers.pop(IDEMPOTENCY_HEADER, None)
        if key:
            # Resend deduplicates by the HTTP header of POST /emails (24 h);
            # the same name among the message's headers would do nothing.
            self.headers["Idempotency-Key"] = key
        super().set_extra_headers(headers)


class ResendEmailBackend(AnymailResendBackend):
    """anymail's Resend backend, with ``deliver()``'s idempotency key sent as
    Resend's ``Idempotency-Key`` request header, so that a message sent again
    after a worker crash is not delivered twice."""

    def build_message_payload(self, message, defaults):
        return _ResendPayload(message, defaults, self)


def _template_path(template: str) -> str:
    """``"accounts/signup_code"`` -> ``"accounts/email/signup_code"``."""
    app, _slash, name = template.partition("/")
    if not app or not name:
        raise ValueError(f"an e-mail template is named 'app/name', not {template!r}")
    return f"{app}/email/{name}"


def render_message(*, template: str, to: list[str], context: dict[str, Any], locale: str) -> EmailMultiAlternatives:
    path = _template_path(template)
    with translation.override(locale):
        ctx = {"site_url": settings.SITE_URL, "site_name": "Walks", "locale": locale, **context}
        subject = " ".join(render_to_string(f"{path}_subject.txt", ctx).split())
        text = render_to_string(f"{path}.txt", ctx)
        html = render_to_string(f"{path}.html", ctx)
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    return message


def deliver(*, template: str, to: list[str], context: dict[str, Any], locale: str, key: str) -> bool:
    """Render and send one message unless the message with this idempotency
    ``key`` was already sent. Returns whether it sent.

    A worker that dies after the provider accepted the message and before
    the key is recorded sends it again when the task is redelivered. The
    message carries the key (``Idempotency-Key``) and a Message-ID derived
    from it: a provider that deduplicates by key (the file backend,
    :class:`ResendEmailBackend`) drops the copy, which makes it exactly once;
    with any other it is at least once, and the recipient's server may drop
    the copy by its Message-ID.
    """
    from .models import SentEmail

    if SentEmail.objects.filter(key=key).exists():
        logger.info("mail %s already sent, skipping", key)
        return False
    message = render_message(template=template, to=to, context=context, locale=locale)
    domain = settings.SITE_URL.split("://")[-1].split("/")[0].split(":")[0] or "walks.localhost"
    message_id = f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
    message.extra_headers["Message-ID"] = message_id
    message.extra_headers[IDEMPOTENCY_HEADER] = key
    message.send()
    SentEmail.objects.get_or_create(key=key, defaults={"message_id": message_id})
    return True


def _task_kwargs(
    *, template: str, to: str | list[str], context: dict[str, Any], locale: str, key: str | None
) -> dict[str, Any]:
    return {
        "template": template,
        "to": [to] if isinstance(to, str) else list(to),
        "context": context,
        "locale": locale or settings.LANGUAGE_CODE,
        "key": key or uuid.uuid4().hex,
    }


def _enqueue(kwargs: dict[str, Any]) -> None:
    """Hand the message to Celery, or raise :class:`Unavailable` (``email_unavailable``)."""
    from .tasks import send_email

    try:
        # Fails at once while the broker is known to be down (core.broker).
        broker.enqueue(send_email, kwargs=kwargs)
    except (broker.BrokerUnavailable, BrokerError, OSError) as exc:
        logger.error("could not queue e-mail %s: %s", kwargs["template"], exc)
        raise Unavailable(
            _("We could not send the e-mail right now. Please try again in a minute."), code="email_unavailable"
        ) from exc


def send_required(
    *, template: str, to: str | list[str], context: dict[str, Any], locale: str, key: str | None = None
) -> None:
    """Queue a message the person is waiting for (a code, a link), or raise
    :class:`Unavailable` (503 ``email_unavailable``) so they are told to try
    again instead of waiting for a mail that never comes.

    Call it outside any transaction, after the rows the message refers to are
    committed: then the failure reaches the caller here, who can undo what
    the message was for (forget a code). Inside a transaction the message is
    queued when it commits and the failure is raised from the commit.
    ``context`` must be JSON-serialisable.
    """
    kwargs = _task_kwargs(template=template, to=to, context=context, locale=locale, key=key)
    transaction.on_commit(lambda: _enqueue(kwargs), robust=False)


def send_notice(
    *, template: str, to: str | list[str], context: dict[str, Any], locale: str, key: str | None = None
) -> None:
    """Queue a notice about a change (password changed, accounts linked) once
    the current transaction commits.

    The change is done whether or not its notice can be queued: a notice that
    the queue refuses is logged and dropped, never raised, so it cannot turn
    a change that succeeded into an error (and a retry into "already done").
    ``context`` must be JSON-serialisable.
    """
    kwargs = _task_kwargs(template=template, to=to, context=context, locale=locale, key=key)

    def enqueue() -> None:
        try:
            _enqueue(kwargs)
        except Unavailable:
            logger.warning("notice %s to %d recipient(s) not queued: the change stands", template, len(kwargs["to"]))

    transaction.on_commit(enqueue, robust=False)
