"""Versioned entries in the shared cache.

A *scope* (``"catalog:titles:game"``, ``"walks:user:42"``) has a version in
the cache, and every entry cached under the scope is stored together with
the version it was computed at. :func:`bump` gives the scope a new version,
which makes all of its entries stale at once without knowing their keys.

A read is one round trip (the version and the entry in one ``get_many``).
Versions are random tokens rather than counters, so a version that the
cache evicted or lost in a restart can never be reborn with a value some
stale entry still carries. When the cache is down every read computes the
value afresh: a cache outage slows pages down, it does not break them.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from rest_framework.renderers import JSONRenderer

T = TypeVar("T")

_MISSING = object()


def _version_key(scope: str) -> str:
    return f"v:{scope}"


def _new_version() -> str:
    return secrets.token_hex(6)


def cache_key(scope: str, *parts: object) -> str:
    """A key under ``scope`` for ``parts`` (hashed, so any text is safe in it)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"e:{scope}:{digest}"


def cached(scope: str | Sequence[str], key: str, compute: Callable[[], T], *, timeout: int) -> T:
    """The value cached under ``key`` if it was computed at the current
    version of ``scope`` (of every scope, given several); otherwise
    ``compute()``, stored for ``timeout`` seconds."""
    scopes = (scope,) if isinstance(scope, str) else tuple(scope)
    version_keys = [_version_key(s) for s in scopes]
    memo = _memo.get()
    if memo is not None:
        found = memo.lookup([*version_keys, key])
        if found is not None:
            versions = tuple(found.get(k) for k in version_keys)
            entry = found.get(key, _MISSING)
            if None not in versions and entry is not _MISSING and entry[0] == versions:
                return entry[1]
        # A miss: from here on this request reads the cache itself, so that
        # whatever is computed now is read after the versions it is stored at.
        memo.forget()
    found = cache.get_many([*version_keys, key])
    versions = tuple(found.get(k) for k in version_keys)
    entry = found.get(key, _MISSING)
    if None not in versions and entry is not _MISSING and entry[0] == versions:
        return entry[1]
    if None in versions:
        versions = _start(version_keys, versions)
        if versions is None:
            return compute()
    # The versions are read before computing: a write that bumps a scope
    # meanwhile leaves this value tagged with the old version, so it is
    # never served after that write.
    value = compute()
    cache.set(key, (versions, value), timeout)
    return value


def _start(version_keys: list[str], versions: tuple) -> tuple | None:
    """Give the scopes that have no version one, before anything is computed
    under them (so a nested ``cached`` call that starts the same scope
    cannot make this one store nothing). ``None`` when the cache is down."""
    for k, v in zip(version_keys, versions, strict=True):
        if v is None:
            cache.add(k, _new_version(), timeout=None)
    found = cache.get_many(version_keys)
    versions = tuple(found.get(k) for k in version_keys)
    return None if None in versions else versions


def bump(*scopes: str) -> None:
    """Make every entry cached under ``scopes`` stale (call it after the
    write that changed them has committed)."""
    _forget_memo()
    cache.set_many({_version_key(scope): _new_version() for scope in scopes}, timeout=None)


def request_cache_key(scope: str | Sequence[str], request, *parts: object) -> str:
    """A key for what ``request`` is answered with under ``scope``: its path
    and query, and what else the answer depends on (the host and scheme in
    pagination links, the language in placeholder cover URLs, ``parts``)."""
    first = scope if isinstance(scope, str) else scope[0]
    return cache_key(first, request.scheme, request.get_host(), get_language(), request.get_full_path(), *parts)


def cached_json(
    scope: str | Sequence[str], request, compute: Callable[[], object], *, timeout: int, parts: Sequence = ()
):
    """An API answer cached as its rendered JSON under ``scope``: a hit is
    one cache read and no serialising at all. ``compute`` returns the data
    (its errors pass through and nothing is cached); ``parts``: what else
    than the URL the answer depends on (the caller's id for an answer of
    their own)."""
    key = request_cache_key(scope, request, *parts)
    body = cached(scope, key, lambda: JSONRenderer().render(compute()), timeout=timeout)
    return HttpResponse(body, content_type="application/json")


def cached_html(scope: str | Sequence[str], request, render: Callable[[], str], *, timeout: int) -> SafeString:
    """A fragment of a page, the same for everyone who asks for the same URL,
    cached under ``scope``; ``render`` renders it from a template (so it is
    escaped already and safe to embed)."""
    return mark_safe(cached(scope, request_cache_key(scope, request), render, timeout=timeout))  # noqa: S308


def bump_existing(*scopes: str) -> None:
    """:func:`bump` for many scopes at once (a bulk write touching thousands
    of titles), bumping only the scopes that have a version: a scope without
    one has nothing cached under it. One read and at most one write, and no
    version keys made for scopes nobody reads. (A reader that computed
    before the write and starts the scope just after may keep its value for
    its timeout, as a missed bump would.)"""
    if not scopes:
        return
    _forget_memo()
    keys = {_version_key(s): s for s in dict.fromkeys(scopes)}
    live = cache.get_many(list(keys))
    if live:
        cache.set_many({key: _new_version() for key in live}, timeout=None)


# One round trip per request
# --------------------------
#
# An API request reads several entries: its user (authentication), the mark
# of a signed-out token family, and its answer (with, for a person's list,
# that person and whether the caller may see them). Each ``cached`` call is a
# round trip of its own; inside :func:`request_memo` they can be one. JWT
# authentication knows, before it reads anything, who asks and for what URL:
# it calls :func:`prefetch` with the user's keys and a *plan* naming the
# request, which adds the keys that the same request (method, URL, language,
# caller) read the last time this process answered it, and reads all of them
# in one ``get_many``. ``cached`` then takes a complete hit from that memo
# without going to the cache; anything else (a key not fetched, a stale or
# absent entry) behaves exactly as without the memo, and from the first such
# miss on the request reads the cache itself (so a value computed after a
# miss never embeds an entry read before the versions it is stored at). A
# bump in the request empties the memo. The memo lives in a context variable
# set for one request and reset after it: nothing of it survives the request
# or reaches another thread or task.
#
# Why learned rather than declared by each view: the reads of a request are
# not all the view's (the person of a list, the visibility check, a title's
# detail composed of entries of three apps), their keys depend on values
# read on the way (a profile's privacy), and a declaration written beside
# each view would have to repeat its key derivation and could drift from it
# silently. The plan is the keys the request really read; a wrong or old one
# costs a few extra keys in the ``get_many`` or one round trip more, never a
# wrong answer, since only entries at their scopes' current versions (as read
# in this request) are served.

PLAN_ENTRIES = 2048

_memo: ContextVar[_Memo | None] = ContextVar("walks_cache_memo", default=None)
_plans: OrderedDict[tuple, tuple[str, ...]] = OrderedDict()
_plans_lock = threading.Lock()


class _Memo:
    __slots__ = ("plan", "reads", "values")

    def __init__(self):
        self.values: dict[str, object] = {}  # fetched keys: their value, or _MISSING
        self.reads: dict[str, None] = {}  # every key this request asked for, in order
        self.plan: tuple | None = None

    def lookup(self, keys: list[str]) -> dict | None:
        """The found entries of ``keys`` if all of them were fetched, else ``None``."""
        self.reads.update(dict.fromkeys(keys))
        values = self.values
        if not all(k in values for k in keys):
            return None
        return {k: v for k in keys if (v := values[k]) is not _MISSING}

    def forget(self) -> None:
        self.values.clear()


def _forget_memo() -> None:
    memo = _memo.get()
    if memo is not None:
        memo.forget()


@contextmanager
def request_memo() -> Iterator[None]:
    """Around one request (``core.conditional.ApiContractMiddleware``): the
    memo :func:`prefetch` fills, dropped at the end; the request's reads
    become the plan for the next request with the same plan."""
    memo = _Memo()
    token = _memo.set(memo)
    try:
        yield
    finally:
        _memo.reset(token)
        if memo.plan is not None and memo.reads:
            with _plans_lock:
                _plans[memo.plan] = tuple(memo.reads)
                _plans.move_to_end(memo.plan)
                while len(_plans) > PLAN_ENTRIES:
                    _plans.popitem(last=False)


def read_keys(scope: str | Sequence[str], key: str) -> list[str]:
    """What :func:`cached` reads for ``key`` under ``scope``: for :func:`prefetch`."""
    scopes = (scope,) if isinstance(scope, str) else tuple(scope)
    return [*(_version_key(s) for s in scopes), key]


def prefetch(keys: Iterable[str], *, plan: tuple | None = None) -> None:
    """Read ``keys``, and the keys the request named by ``plan`` read last
    time, in one round trip into this request's memo. Outside
    :func:`request_memo`, nothing."""
    memo = _memo.get()
    if memo is None:
        return
    wanted = dict.fromkeys(keys)
    if plan is not None:
        memo.plan = plan
        with _plans_lock:
            learned = _plans.get(plan, ())
        wanted.update(dict.fromkeys(learned))
    missing = [k for k in wanted if k not in memo.values]
    if not missing:
        return
    found = cache.get_many(missing)
    memo.values.update({k: found.get(k, _MISSING) for k in missing})


def cache_get(key: str, default=None):
    """``cache.get(key)`` for a plain key, from this request's memo when
    :func:`prefetch` fetched it."""
    memo = _memo.get()
    if memo is not None:
        found = memo.lookup([key])
        if found is not None:
            return found.get(key, default)
    return cache.get(key, default)
