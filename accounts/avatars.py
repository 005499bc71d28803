"""Avatars a phone can draw: the uploaded avatar, or a PNG placeholder (the
first letter of the username on a colour picked by it) at each size of a
srcset. The pages keep their letter drawn by CSS (templates/includes/avatar.html)."""

from __future__ import annotations

import hashlib
from functools import cache
from urllib.parse import quote_plus

from django.conf import settings
from django.http import Http404
from django.urls import get_script_prefix, reverse
from django.views.decorators.http import require_GET

from core.placeholders import VERSION, draw, png_response, signature, signed

# Square, srcset-friendly: 1x, 2x, 4x of a 64-point avatar.
AVATAR_SIZES = {"small": 64, "medium": 128, "large": 256}
NAME_LIMIT = 150
# (light, dark) pairs; the username picks one.
PALETTE = (
    ("#7950f2", "#3b1f99"),
    ("#e64980", "#8c1941"),
    ("#339af0", "#0b4a8a"),
    ("#fd7e14", "#a63c00"),
    ("#12b886", "#0a5c43"),
    ("#868e96", "#343a40"),
)


@cache
def _path(size: str, script_prefix: str) -> str:
    return reverse("accounts:avatar_placeholder", kwargs={"size": size})


def placeholder_url(*, username: str, size: str) -> str:
    name = username[:NAME_LIMIT]
    sig = signature("avatar", size, name)
    return f"{_path(size, get_script_prefix())}?n={quote_plus(name)}&v={VERSION}&s={sig}"


def avatar_urls(profile) -> dict[str, str]:
    """``{"small", "medium", "large"}``, absolute (from SITE_URL): the uploaded
    avatar (one file, at every size) or the placeholder at each size."""
    if profile is not None and profile.avatar:
        url = profile.avatar.url
        return dict.fromkeys(AVATAR_SIZES, settings.SITE_URL + url if url.startswith("/") else url)
    username = profile.username if profile is not None else ""
    return {size: settings.SITE_URL + placeholder_url(username=username, size=size) for size in AVATAR_SIZES}


def placeholder_png(*, username: str, size: str) -> bytes:
    light, dark = PALETTE[hashlib.sha256(username.encode()).digest()[0] % len(PALETTE)]
    side = AVATAR_SIZES[size]
    letter = (username[:1] or "?").upper()
    return draw(width=side, height=side, light=light, dark=dark, big=letter, seed=username.encode())


@require_GET
def avatar_placeholder(request, size: str):
    name = request.GET.get("n", "")[:NAME_LIMIT]
    if size not in AVATAR_SIZES or not signed(request.GET.get("s"), "avatar", size, name):
        raise Http404
    return png_response(request, parts=("avatar", size, name), render=lambda: placeholder_png(username=name, size=size))
