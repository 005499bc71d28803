"""E-mailed one-time codes: sign-up, password restore, e-mail change.

A code is 6 digits from ``secrets``, lives at most ``ACCOUNTS_CODE_TTL``
seconds, dies after ``ACCOUNTS_CODE_MAX_TRIES`` wrong tries, is used once, is
bound to its purpose and subject (the e-mail, plus the user for a change) and
is kept in the shared cache only as a keyed hash, compared in constant time.

Everything lives in the project cache, so that it holds across worker
processes on both the embedded file cache and Redis. Neither backend gives us
an atomic counter (the file cache's ``incr`` is read-then-write), but both
delete atomically and report whether they deleted (``os.remove``, ``DEL``).
So the attempts are *tickets*: issuing a code stores N ticket keys, each try
must delete one first, and the code is used up by deleting its hash key. Two
processes can never both take the last ticket or both use the same code.

Layout in the cache, for ``K = acode:<purpose>:<digest of subject>``:
``K`` -> ``{"n": nonce, "exp": unix time}`` (the current code),
``K:<nonce>`` -> HMAC of the code, ``K:<nonce>:t<i>`` -> a ticket.
A new code for the same subject gets a new nonce: the old one is dead.
"""

from __future__ import annotations

import hashlib
import secrets as _secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from core.secrets import equals, hash_code, new_code

PURPOSES = ("signup", "restore", "change", "delete")


def code_ttl() -> int:
    return settings.ACCOUNTS_CODE_TTL


def code_max_tries() -> int:
    return settings.ACCOUNTS_CODE_MAX_TRIES


def _base_key(purpose: str, subject: str) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown code purpose {purpose!r}")
    digest = hashlib.sha256(f"{purpose}:{subject}".lower().encode()).hexdigest()[:40]
    return f"acode:{purpose}:{digest}"


def _context(purpose: str, subject: str, nonce: str) -> str:
    return f"{purpose}:{subject.lower()}:{nonce}"


@dataclass(frozen=True)
class CheckedCode:
    """A code that matched; pass it to :func:`code_consume` to use it up."""

    purpose: str
    subject: str
    nonce: str


def code_issue(*, purpose: str, subject: str) -> str:
    """Store a fresh code for ``purpose``/``subject`` (retiring any earlier one) and return it.

    The caller e-mails it; the plain code is never stored.
    """
    ttl = code_ttl()
    code = new_code(6)
    nonce = _secrets.token_hex(8)
    key = _base_key(purpose, subject)
    previous = cache.get(key)
    entries = {f"{key}:{nonce}": hash_code(code, context=_context(purpose, subject, nonce))}
    entries.update({f"{key}:{nonce}:t{i}": 1 for i in range(code_max_tries())})
    cache.set_many(entries, ttl)
    cache.set(key, {"n": nonce, "exp": time.time() + ttl}, ttl)
    if isinstance(previous, dict) and previous.get("n"):
        cache.delete(f"{key}:{previous['n']}")
    return code


def code_discard(*, purpose: str, subject: str) -> None:
    """Forget the current code (its e-mail could not be queued)."""
    key = _base_key(purpose, subject)
    current = cache.get(key)
    if isinstance(current, dict) and current.get("n"):
        cache.delete(f"{key}:{current['n']}")
    cache.delete(key)


@dataclass(frozen=True)
class CodeFailure:
    """Why a code did not match: ``wrong`` (``tries_left`` more), ``expired``
    (or used, or never sent) or ``exhausted`` (out of tries). Telling these
    apart leaks nothing about accounts because every requested address has a
    live code: one that is not mailed when the address cannot use it
    (see ``accounts.services._code_mail``)."""

    reason: str
    tries_left: int = 0

    def __bool__(self) -> bool:
        return False


def code_verify(*, purpose: str, subject: str, code: str) -> CheckedCode | CodeFailure:
    """Spend one try on ``code``: the matched code, or why not (a falsy :class:`CodeFailure`)."""
    key = _base_key(purpose, subject)
    current = cache.get(key)
    if not isinstance(current, dict) or float(current.get("exp", 0)) <= time.time():
        return CodeFailure("expired")
    nonce = str(current.get("n", ""))
    stored = cache.get(f"{key}:{nonce}")
    if not stored:
        # Used, or killed by its last wrong try.
        return CodeFailure("exhausted" if cache.get(f"{key}:{nonce}:x") else "expired")
    tries = code_max_tries()
    ticket = next((i for i in range(tries) if cache.delete(f"{key}:{nonce}:t{i}")), None)
    if ticket is None:
        # Out of tries: the code is dead even if this guess is right.
        cache.delete(f"{key}:{nonce}")
        return CodeFailure("exhausted")
    if not equals(hash_code(str(code), context=_context(purpose, subject, nonce)), stored):
        if ticket == tries - 1:
            cache.delete(f"{key}:{nonce}")
            cache.set(f"{key}:{nonce}:x", 1, max(1, int(float(current["exp"]) - time.time())))
            return CodeFailure("exhausted")
        return CodeFailure("wrong", tries_left=tries - ticket - 1)
    return CheckedCode(purpose=purpose, subject=subject, nonce=nonce)


def code_check(*, purpose: str, subject: str, code: str) -> CheckedCode | None:
    """Spend one try on ``code``. Returns the matched code, or None if it is
    wrong, expired, used, out of tries or never existed (:func:`code_verify` says which)."""
    result = code_verify(purpose=purpose, subject=subject, code=code)
    return result or None


def code_consume(checked: CheckedCode) -> bool:
    """Use the code up. True for exactly one caller, even across processes."""
    key = _base_key(checked.purpose, checked.subject)
    used = bool(cache.delete(f"{key}:{checked.nonce}"))
    current = cache.get(key)
    if isinstance(current, dict) and current.get("n") == checked.nonce:
        cache.delete(key)
    return used


# --- How often codes may be sent ---------------------------------------------------------------


def _sent_mark_key(email: str) -> str:
    return "acode-sent:" + hashlib.sha256(email.lower().encode()).hexdigest()[:40]


def send_interval() -> int:
    return settings.ACCOUNTS_CODE_RESEND_SECONDS


def send_mark_take(email: str) -> tuple[bool | None, int]:
    """Claim the one send allowed per interval for ``email``.

    Returns ``(True, 0)`` when claimed, ``(False, seconds to wait)`` when a
    code went to this address moments ago, ``(None, 0)`` when the cache
    cannot be reached (django-redis with ``IGNORE_EXCEPTIONS`` answers None).
    """
    interval = send_interval()
    key = _sent_mark_key(email)
    until = time.time() + interval
    taken = cache.add(key, until, interval)
    if taken is None:
        return None, 0
    if taken:
        return True, 0
    previous = cache.get(key)
    wait = int(float(previous) - time.time()) + 1 if previous else 1
    return False, max(1, min(wait, interval))


def send_mark_release(email: str) -> None:
    """Let the address ask again at once (after a send that failed, or in tests)."""
    cache.delete(_sent_mark_key(email))
