"""Cover URLs, and the generated placeholder for titles without a cover.

The placeholder is an SVG drawn from the type and the name carried in its
URL, so serving it needs no database and it can be cached for a year.
"""

from __future__ import annotations

import hashlib
from functools import cache
from urllib.parse import quote_plus
from xml.sax.saxutils import escape

from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language

from .models import TitleType

PLACEHOLDER_VERSION = "1"
NAME_LIMIT = 80

# (light, dark) per type, matching the badges of the stylesheet.
PALETTE = {
    TitleType.GAME: ("#7950f2", "#3b1f99"),
    TitleType.FILM: ("#e64980", "#8c1941"),
    TitleType.SERIES: ("#339af0", "#0b4a8a"),
    TitleType.ANIME: ("#fd7e14", "#a63c00"),
}
NEUTRAL = ("#868e96", "#343a40")


@cache
def _placeholder_path(type: str, script_prefix: str) -> str:
    return reverse("catalog:cover_placeholder", kwargs={"type": type})


def placeholder_url(*, type: str, name: str) -> str:
    """The placeholder's URL: everything the image shows is in it (the type's
    label is translated, so the language is too)."""
    # Built for every title of every list, so built cheaply: reverse() once
    # per type (the URLconf is fixed; the script prefix, which reverse()
    # also reads, is part of the cache key), and the query string by hand,
    # the same bytes as urlencode({"n": ..., "l": ..., "v": ...}).
    path = _placeholder_path(type, get_script_prefix())
    return f"{path}?n={quote_plus(name[:NAME_LIMIT])}&l={quote_plus(get_language() or 'en')}&v={PLACEHOLDER_VERSION}"


# --- Raster placeholders for the API (core.placeholders) -----------------------------------

# Width x height of each size a client may ask for (2:3, srcset-friendly: 1x, 2x, 4x).
COVER_SIZES = {"small": (200, 300), "medium": (400, 600), "large": (800, 1200)}


@cache
def _png_path(type: str, size: str, script_prefix: str) -> str:
    return reverse("catalog:cover_placeholder_png", kwargs={"type": type, "size": size})


def placeholder_png_url(*, type: str, name: str, size: str = "medium") -> str:
    """The PNG placeholder's URL, signed (core.placeholders): what it draws is in it."""
    from core.placeholders import VERSION, signature

    name = name[:NAME_LIMIT]
    lang = get_language() or "en"
    path = _png_path(type, size, get_script_prefix())
    sig = signature("cover", type, size, name, lang)
    return f"{path}?n={quote_plus(name)}&l={quote_plus(lang)}&v={VERSION}&s={sig}"


def cover_png_urls(title) -> dict[str, str]:
    """``{"small", "medium", "large"}``: the uploaded cover (one file, at every
    size) or the PNG placeholder at each size."""
    if title.cover:
        url = title.cover.url
        return dict.fromkeys(COVER_SIZES, url)
    return {size: placeholder_png_url(type=title.type, name=title.name, size=size) for size in COVER_SIZES}


def placeholder_png(*, type: str, name: str, type_label: str, size: str) -> bytes:
    from core.placeholders import draw

    name = " ".join(name.split())[:NAME_LIMIT] or "?"
    width, height = COVER_SIZES[size]
    light, dark = PALETTE.get(type, NEUTRAL)
    lines = tuple(_wrap(name))
    return draw(
        width=width,
        height=height,
        light=light,
        dark=dark,
        big=initials(name),
        label=type_label,
        lines=lines,
        seed=name.encode(),
    )


def cover_url(title) -> str:
    """The uploaded cover's URL, or the generated placeholder's."""
    if title.cover:
        return title.cover.url
    return placeholder_url(type=title.type, name=title.name)


def initials(name: str) -> str:
    words = [w for w in name.replace("-", " ").replace(":", " ").split() if w[:1].isalnum()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[1][0]).upper()


def _wrap(name: str, width: int = 16, lines: int = 4) -> list[str]:
    out: list[str] = []
    current = ""
    for word in name.split():
        while len(word) > width:  # a very long word is cut rather than overflow
            if current:
                out.append(current)
                current = ""
            out.append(word[:width])
            word = word[width:]
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out


def placeholder_svg(*, type: str, name: str, type_label: str) -> str:
    name = " ".join(name.split())[:NAME_LIMIT] or "?"
    light, dark = PALETTE.get(type, NEUTRAL)
    digest = hashlib.sha256(name.encode()).digest()
    # A little variety between titles of one type: where the circles sit.
    cx1, cy1, r1 = 60 + digest[0] % 280, 80 + digest[1] % 200, 120 + digest[2] % 90
    cx2, cy2, r2 = 40 + digest[3] % 320, 380 + digest[4] % 160, 70 + digest[5] % 80
    lines = _wrap(name)
    text_top = 600 - 96 - 34 * (len(lines) - 1)
    tspans = "".join(f'<tspan x="32" y="{text_top + 34 * i}">{escape(line)}</tspan>' for i, line in enumerate(lines))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 600" width="400" height="600" role="img" '
        f'aria-label="{escape(name, {chr(34): "&quot;"})}">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="0.35" y2="1">'
        f'<stop offset="0" stop-color="{light}"/><stop offset="1" stop-color="{dark}"/></linearGradient></defs>'
        '<rect width="400" height="600" fill="url(#g)"/>'
        f'<circle cx="{cx1}" cy="{cy1}" r="{r1}" fill="#fff" fill-opacity=".10"/>'
        f'<circle cx="{cx2}" cy="{cy2}" r="{r2}" fill="#000" fill-opacity=".10"/>'
        '<g font-family="-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif" fill="#fff">'
        f'<text x="32" y="64" font-size="20" font-weight="700" letter-spacing="3" fill-opacity=".8">'
        f"{escape(type_label.upper())}</text>"
        f'<text x="200" y="290" font-size="150" font-weight="800" text-anchor="middle" fill-opacity=".92">'
        f"{escape(initials(name))}</text>"
        f'<text font-size="28" font-weight="700">{tspans}</text>'
        "</g></svg>"
    )
