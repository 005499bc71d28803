"""An e-mail backend for the fault run: files, like the embedded default, but
as slow as a real provider's HTTP call.

``BENCH_MAIL_SEND_DELAY`` seconds pass before the message is handed over
(connecting, uploading) and ``BENCH_MAIL_ACK_DELAY`` seconds after the file
is written (the provider has accepted the message; its answer is on the way
back). A worker killed in the second pause has sent the message without
knowing it: the redelivered task sends it again with the same idempotency
key, and the file backend, like a provider that honours the key (Resend),
drops the copy. ``BENCH_MAIL_IDEMPOTENT=0`` strips the key first: a provider
that does not deduplicate (SMTP, most APIs), where a copy is sent.
"""

from __future__ import annotations

import os
import time

from core.mail import IDEMPOTENCY_HEADER, FileAndConsoleEmailBackend


class SlowFileBackend(FileAndConsoleEmailBackend):
    def send_messages(self, email_messages):
        time.sleep(float(os.environ.get("BENCH_MAIL_SEND_DELAY", "0.05")))
        if os.environ.get("BENCH_MAIL_IDEMPOTENT", "1") == "0":
            for message in email_messages:
                message.extra_headers.pop(IDEMPOTENCY_HEADER, None)
        sent = super().send_messages(email_messages)
        time.sleep(float(os.environ.get("BENCH_MAIL_ACK_DELAY", "0")))
        return sent
