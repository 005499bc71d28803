"""Fixed-window counters in the shared cache.

Every worker process sees the same counters because they live in the
project's cache (Redis in production, a file cache when embedded). While the
cache is down (django-redis with IGNORE_EXCEPTIONS answers ``None`` instead
of raising), events are counted in this process's memory instead, so a limit
still holds per process: at most ``limit`` × processes across the site,
rather than no limit at all. A cache outage is never a site outage.

The site's limits are one table, ``settings.RATE_LIMITS`` (name -> events and
window); the places they limit call :func:`check`, :func:`guard` and
:func:`hit` with a name from it and a key (an address, a user id).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import ipaddress
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured

from .errors import RateLimited

logger = logging.getLogger(__name__)


class _LocalCounters:
    """Counters of this process, used while the shared cache is unavailable."""

    MAX_KEYS = 10_000  # bounded memory whatever the traffic

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}  # key -> (count, expires at, monotonic)

    def get(self, key: str) -> int:
        with self._lock:
            count, expires = self._counts.get(key, (0, 0.0))
            return count if expires > time.monotonic() else 0

    def incr(self, key: str, ttl: float) -> int:
        now = time.monotonic()
        with self._lock:
            count, expires = self._counts.get(key, (0, 0.0))
            if expires <= now:
                count, expires = 0, now + ttl
                if len(self._counts) >= self.MAX_KEYS:
                    self._prune(now)
            self._counts[key] = (count + 1, expires)
            return count + 1

    def delete(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()

    def _prune(self, now: float) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        if len(self._counts) >= self.MAX_KEYS:  # all live: keep the newer half
            newest = sorted(self._counts.items(), key=lambda kv: kv[1][1])[len(self._counts) // 2 :]
            self._counts = dict(newest)


_local = _LocalCounters()


def clock() -> float:
    """The time windows are cut from (a seam: tests hold it still)."""
    return time.time()


@dataclass(frozen=True)
class Counted:
    """A limit counted during one request, for its ``RateLimit`` headers."""

    name: str
    limit: int
    window: int
    remaining: int
    reset: int


_counted: contextvars.ContextVar[dict[str, Counted] | None] = contextvars.ContextVar("ratelimit_counted", default=None)


@contextlib.contextmanager
def recording() -> Iterator[list[Counted]]:
    """Collect the limits counted inside (core.conditional writes them as headers)."""
    seen: dict[str, Counted] = {}
    token = _counted.set(seen)
    out: list[Counted] = []
    try:
        yield out
    finally:
        _counted.reset(token)
        out.extend(seen.values())


def _record(limit: Limit, ident: str, count: int) -> None:
    seen = _counted.get()
    if seen is not None:
        seen[limit.scope] = Counted(
            limit.scope, limit.limit, limit.window, max(0, limit.limit - count), limit.retry_after(ident)
        )


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` events per ``window`` seconds for one identity in ``scope``."""

    scope: str
    limit: int
    window: int

    def _key(self, ident: str) -> tuple[str, int]:
        digest = hashlib.sha256(ident.lower().encode()).hexdigest()[:32]
        now = clock()
        bucket = int(now // self.window)
        retry_after = self.window - int(now % self.window)
        return f"rl:{self.scope}:{digest}:{bucket}", retry_after

    def count(self, ident: str) -> int:
        # The local part is zero unless the cache was down during this window;
        # then it holds the events the shared counter missed.
        key, _ = self._key(ident)
        return int(cache.get(key) or 0) + _local.get(key)

    def hit(self, ident: str) -> int:
        """Record one event and return how many the window now holds."""
        key, _ = self._key(ident)
        added = cache.add(key, 1, self.window + 1)
        if added:
            value = 1
        elif added is None:  # cache unavailable (django-redis IGNORE_EXCEPTIONS)
            value = None
        else:
            try:
                value = cache.incr(key)
            except ValueError:  # expired between add and incr
                added = cache.add(key, 1, self.window + 1)
                value = None if added is None else 1
        if value is None:
            local = _local.incr(key, self.window + 1)
            if local == 1:
                logger.warning("rate limit %s counted in this process only: cache unavailable", self.scope)
            _record(self, ident, local)
            return local
        total = int(value) + _local.get(key)
        _record(self, ident, total)
        return total

    def is_exceeded(self, ident: str) -> bool:
        count = self.count(ident)
        _record(self, ident, count)
        return count >= self.limit

    def reset(self, ident: str) -> None:
        key, _ = self._key(ident)
        cache.delete(key)
        _local.delete(key)

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


# --- The site's limits, by name ---------------------------------------------------------
# Every limited place names its limit in settings.RATE_LIMITS and calls these.


def limit(name: str) -> Limit:
    """The limit ``name`` of ``settings.RATE_LIMITS``, read at call time (so a
    deployment or a test can change the table). An unknown name is a bug."""
    try:
        events, window = settings.RATE_LIMITS[name]
    except KeyError:
        raise ImproperlyConfigured(f"settings.RATE_LIMITS has no limit named {name!r}") from None
    return Limit(name, int(events), int(window))


def hit(name: str, key: str) -> int:
    """Count one event for ``key``; returns how many its window now holds."""
    return limit(name).hit(key)


def check(name: str, key: str) -> None:
    """Count one event; :class:`RateLimited` (429, ``Retry-After``) once over the limit."""
    limit(name).check(key)


def guard(name: str, key: str) -> None:
    """:class:`RateLimited` if ``key`` is at the limit, without counting (for limits counted only on failure)."""
    limit(name).guard(key)


def is_exceeded(name: str, key: str) -> bool:
    return limit(name).is_exceeded(key)


def reset(name: str, key: str) -> None:
    limit(name).reset(key)


def trusted_proxies() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``settings.TRUSTED_PROXIES`` (``DJANGO_TRUSTED_PROXIES``) as networks.
    A bad entry raises ValueError (system check core.E020 reports it)."""
    return _networks(tuple(settings.TRUSTED_PROXIES))


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _is_trusted(address, networks) -> bool:
    return address is not None and any(address in network for network in networks)


def client_ip(request) -> str:
    """The client's address, for limits keyed by IP.

    ``REMOTE_ADDR`` is the socket peer (gunicorn never rewrites it, whatever
    ``--forwarded-allow-ips`` says). When that peer is one of
    ``DJANGO_TRUSTED_PROXIES``, the client is the right-most address of
    ``X-Forwarded-For`` that is not itself a trusted proxy: each proxy appends
    the peer it saw, so entries left of that one are whatever the client sent.
    From any other peer the header is ignored, or anyone could pick the
    address their limits are counted under.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    networks = trusted_proxies()
    if not networks or not _is_trusted(_address(remote), networks):
        return remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(entry)
        if address is None:
            break  # a mangled hop: nothing further left can be trusted
        if not _is_trusted(address, networks):
            return str(address)
    return remote
