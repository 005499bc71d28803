"""Helpers for accounts tests: images, codes read from sent e-mails, cache peeks."""

from __future__ import annotations

import io
import re
import time

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts import codes
from tests.factories import DEFAULT_PASSWORD, UserFactory

__all__ = ["DEFAULT_PASSWORD", "UserFactory", "code_in", "expire_code", "image_upload", "png_bytes"]

NEW_PASSWORD = "another-long-passphrase-42"


def png_bytes(width: int = 800, height: int = 600, color=(200, 80, 20)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "PNG")
    return buf.getvalue()


def image_upload(name: str = "me.png", data: bytes | None = None, content_type: str = "image/png"):
    return SimpleUploadedFile(name, png_bytes() if data is None else data, content_type=content_type)


def code_in(message) -> str:
    """The 6-digit code of an e-mail (it is in the subject and both bodies)."""
    match = re.search(r"\b(\d{6})\b", message.subject)
    assert match, f"no code in {message.subject!r}"
    code = match.group(1)
    assert code in message.body
    assert code in message.alternatives[0][0]
    return code


def expire_code(*, purpose: str, subject: str) -> None:
    """Make the current code look 10 minutes old (no clock tricks)."""
    key = codes._base_key(purpose, subject)
    entry = cache.get(key)
    assert entry, "no code to expire"
    cache.set(key, {**entry, "exp": time.time() - 1}, 60)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"
