"""Fixed-window counters in the shared cache.

Every worker process sees the same counters because they live in the
project's cache (Redis in production, a file cache when embedded). When the
cache is down the counters read as empty: limits fail open rather than
turning a cache outage into a site outage, and the outage is logged.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.core.cache import cache

from .errors import RateLimited

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` events per ``window`` seconds for one identity in ``scope``."""

    scope: str
    limit: int
    window: int

    def _key(self, ident: str) -> tuple[str, int]:
        digest = hashlib.sha256(ident.lower().encode()).hexdigest()[:32]
        bucket = int(time.time() // self.window)
        retry_after = self.window - int(time.time() % self.window)
        return f"rl:{self.scope}:{digest}:{bucket}", retry_after

    def count(self, ident: str) -> int:
        key, _ = self._key(ident)
        value = cache.get(key)
        return int(value or 0)

    def hit(self, ident: str) -> int:
        """Record one event and return how many the window now holds."""
        key, _ = self._key(ident)
        if cache.add(key, 1, self.window + 1):
            return 1
        try:
            value = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, self.window + 1)
            return 1
        if value is None:  # cache unavailable (django-redis IGNORE_EXCEPTIONS)
            logger.warning("rate limit %s not enforced: cache unavailable", self.scope)
            return 0
        return int(value)

    def is_exceeded(self, ident: str) -> bool:
        return self.count(ident) >= self.limit

    def reset(self, ident: str) -> None:
        key, _ = self._key(ident)
        cache.delete(key)

    def retry_after(self, ident: str) -> int:
        return self._key(ident)[1]

    def check(self, ident: str) -> None:
        """Count this event; raise :class:`RateLimited` once over the limit."""
        if self.hit(ident) > self.limit:
            raise RateLimited(retry_after=self.retry_after(ident))

    def guard(self, ident: str) -> None:
        """Raise without counting, for limits counted only on failure."""
        if self.is_exceeded(ident):
            raise RateLimited(retry_after=self.retry_after(ident))


def client_ip(request) -> str:
    """The client's address. Behind a proxy, set ``REMOTE_ADDR`` there
    (gunicorn's ``--forwarded-allow-ips``); a client-supplied header is never
    trusted here, or anyone could reset their own limits."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"
