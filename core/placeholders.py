"""Raster placeholders (PNG) for the API: iOS and Android image views do not
draw SVG, so a title without a cover and a person without an avatar get a
PNG drawn with Pillow.

Everything the image shows is in its URL (kind, size, the text it draws),
so serving it needs no database. The URL is signed (``s``): only the URLs
the API hands out are drawn, so nobody can make the server draw and cache
images of their choosing. Each image is drawn once per (kind, size, text)
and kept in the shared cache (``CACHE_SECONDS``); its ETag is the digest
of what it shows, so a 304 costs nothing, and the answer may be kept for a
year (a change of look changes ``VERSION``, and so every URL).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from functools import cache as memoize
from pathlib import Path

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.crypto import constant_time_compare, salted_hmac
from PIL import Image, ImageDraw, ImageFont

VERSION = "1"
CACHE_SECONDS = 30 * 24 * 3600
MAX_AGE = 365 * 24 * 3600

# DejaVu has Cyrillic (Debian's fonts-dejavu-core); without it Pillow's own.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


@memoize
def font(size: int, *, bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size=size)


def signature(*parts: str) -> str:
    return salted_hmac("core.placeholders", "\x1f".join((VERSION, *parts))).hexdigest()[:16]


def signed(given: str | None, *parts: str) -> bool:
    return bool(given) and constant_time_compare(given, signature(*parts))


def _rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def draw(
    *,
    width: int,
    height: int,
    light: str,
    dark: str,
    big: str,
    label: str = "",
    lines: tuple[str, ...] = (),
    seed: bytes = b"",
) -> bytes:
    """A gradient from ``light`` to ``dark`` with two soft circles placed by
    ``seed``, ``big`` (initials) in the middle, ``label`` at the top and
    ``lines`` at the bottom, drawn on a 400-wide design scaled to ``width``."""
    k = width / 400
    top, bottom = _rgb(light), _rgb(dark)
    gradient = Image.linear_gradient("L").resize((width, height))
    image = Image.composite(Image.new("RGB", (width, height), bottom), Image.new("RGB", (width, height), top), gradient)
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    shapes = ImageDraw.Draw(overlay)
    d = hashlib.sha256(seed).digest()
    tall = height / k  # the design's height: 600 for a cover, 400 for a square
    for colour, cx, cy, r in (
        ((255, 255, 255, 26), 60 + d[0] % 280, (80 + d[1] % 200) * tall / 600, 120 + d[2] % 90),
        ((0, 0, 0, 26), 40 + d[3] % 320, (380 + d[4] % 160) * tall / 600, 70 + d[5] % 80),
    ):
        shapes.ellipse([(cx - r) * k, (cy - r) * k, (cx + r) * k, (cy + r) * k], fill=colour)
    image = Image.alpha_composite(image.convert("RGBA"), overlay)
    text = ImageDraw.Draw(image)
    white = (255, 255, 255, 235)
    if label:
        text.text((32 * k, 44 * k), label.upper(), font=font(max(8, round(20 * k))), fill=(255, 255, 255, 205))
    if lines or label:  # a cover: the initials above the name
        text.text((width / 2, height * 290 / 600), big, font=font(round(150 * k)), fill=white, anchor="ms")
    else:  # an avatar: the initial in the middle
        text.text((width / 2, height / 2), big, font=font(round(height * 0.5)), fill=white, anchor="mm")
    if lines:
        size = max(8, round(28 * k))
        y = height - 96 * k - 34 * k * (len(lines) - 1)
        for line in lines:
            text.text((32 * k, y), line, font=font(size), fill=white, anchor="ls")
            y += 34 * k
    out = io.BytesIO()
    image.convert("RGB").save(out, "PNG", optimize=True)
    return out.getvalue()


def png_response(request, *, parts: tuple[str, ...], render: Callable[[], bytes]) -> HttpResponse:
    """The PNG of ``parts`` (drawn by ``render`` once, then from the cache),
    with a year of ``Cache-Control`` and an ETag (304 on ``If-None-Match``)."""
    digest = hashlib.sha256("\x1f".join((VERSION, *parts)).encode()).hexdigest()
    etag = f'"{digest[:32]}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={MAX_AGE}, immutable"}
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        key = f"placeholder:{digest}"
        data = cache.get(key)
        if not isinstance(data, bytes):
            data = render()
            cache.set(key, data, CACHE_SECONDS)
        response = HttpResponse(data, content_type="image/png")
    for name, value in headers.items():
        response[name] = value
    return response
