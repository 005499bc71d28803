"""Critical errors mail the ADMINS, throttled so a storm sends a bounded number.

The same error (same logger, exception type and place) mails at most once per
``ERROR_MAIL_PER_SIGNATURE_SECONDS``; all errors together at most
``ERROR_MAIL_MAX_PER_HOUR`` times an hour (the rate limit "error-mail-site").
The counters live in the shared cache, so the bound holds across worker
processes; a per-process memory backs them up while the cache is down.
"""

from __future__ import annotations

import hashlib
import threading
import time
import traceback

from django.conf import settings
from django.utils.log import AdminEmailHandler


class ThrottledAdminEmailHandler(AdminEmailHandler):
    _local_lock = threading.Lock()
    _local_seen: dict[str, float] = {}

    @staticmethod
    def signature(record) -> str:
        parts = [record.name, record.levelname]
        if record.exc_info and record.exc_info[1] is not None:
            exc_type, exc, tb = record.exc_info
            last = traceback.extract_tb(tb)[-1:] if tb else []
            parts += [exc_type.__name__] + [f"{f.filename}:{f.lineno}" for f in last]
        else:
            parts.append(str(record.msg))
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]

    def _allowed_locally(self, sig: str, window: int) -> bool:
        now = time.monotonic()
        with self._local_lock:
            if now - self._local_seen.get(sig, -1e9) < window:
                return False
            self._local_seen[sig] = now
            return True

    def should_send(self, record) -> bool:
        from django.core.cache import cache

        from . import ratelimit

        window = settings.ERROR_MAIL_PER_SIGNATURE_SECONDS
        sig = self.signature(record)
        if not self._allowed_locally(sig, window):
            return False
        try:
            first = cache.add(f"errmail:{sig}", 1, window)
            if first is False:
                return False
            hourly = ratelimit.limit("error-mail-site")
            return hourly.hit("all") <= hourly.limit
        except Exception:
            return True

    def emit(self, record) -> None:
        if not settings.ADMINS or not self.should_send(record):
            return
        super().emit(record)
