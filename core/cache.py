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
from collections.abc import Callable, Sequence
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
    cache.set_many({_version_key(scope): _new_version() for scope in scopes}, timeout=None)


def request_cache_key(scope: str | Sequence[str], request, *parts: object) -> str:
    """A key for what ``request`` is answered with under ``scope``: its path
    and query, and what else the answer depends on (the host and scheme in
    pagination links, the language in placeholder cover URLs, ``parts``)."""
    first = scope if isinstance(scope, str) else scope[0]
    return cache_key(first, request.scheme, request.get_host(), get_language(), request.get_full_path(), *parts)


def cached_json(scope: str | Sequence[str], request, compute: Callable[[], object], *, timeout: int):
    """An API answer cached as its rendered JSON under ``scope``: a hit is
    one cache read and no serialising at all. ``compute`` returns the data
    (its errors pass through and nothing is cached)."""
    body = cached(scope, request_cache_key(scope, request), lambda: JSONRenderer().render(compute()), timeout=timeout)
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
    keys = {_version_key(s): s for s in dict.fromkeys(scopes)}
    live = cache.get_many(list(keys))
    if live:
        cache.set_many({key: _new_version() for key in live}, timeout=None)
