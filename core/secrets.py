"""Secrets at rest: random values, hashes and constant-time comparison."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings


def new_token() -> str:
    """A link or edit token: 32 random bytes (256 bits, never guessed), URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 of a high-entropy token, as stored in the database."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_code(digits: int = 6) -> str:
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def hash_code(code: str, *, context: str) -> str:
    """A keyed hash for low-entropy codes: a leaked cache or table does not
    give the codes away to a brute force without the server's key."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{context}:{code}".encode(), hashlib.sha256).hexdigest()


def equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
