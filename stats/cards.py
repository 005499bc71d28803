"""The year in review as an image for link previews (Open Graph), drawn with
Pillow and cached under the person's walks and reviews scopes."""

from __future__ import annotations

import datetime as dt
import io
from functools import lru_cache
from pathlib import Path

from django.utils import formats, translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from core.cache import cache_key, cached
from reviews.cache import user_reviews_scope
from walks.cache import user_walks_scope

from .cache import CARD_CACHE_SECONDS
from .selectors import user_year

SIZE = (1200, 630)
# DejaVu has Cyrillic (Debian's fonts-dejavu-core); without it Pillow's own
# font still draws the card, Latin only.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
BG, INK, MUTED, ACCENT = (29, 27, 24), (246, 244, 240), (176, 168, 156), (217, 72, 15)


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False):
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size=size)


def _fit(draw, text: str, font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def year_card_png(*, person, year: int) -> bytes:
    scopes = (user_walks_scope(person.pk), user_reviews_scope(person.pk))
    key = cache_key(scopes[0], "card", year, person.profile.username, translation.get_language())
    return cached(scopes, key, lambda: render_card(person=person, year=year), timeout=CARD_CACHE_SECONDS)


def render_card(*, person, year: int) -> bytes:
    data = user_year(user_id=person.pk, year=year)
    image = Image.new("RGB", SIZE, BG)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 18, SIZE[1]), fill=ACCENT)
    draw.text((70, 56), "Walks", font=_font(34, bold=True), fill=ACCENT)
    draw.text(
        (70, 110), _fit(draw, person.profile.username, _font(64, bold=True), 1060), font=_font(64, bold=True), fill=INK
    )
    draw.text((70, 190), _("%(year)s in review") % {"year": year}, font=_font(40), fill=MUTED)
    figures = [
        (data["finished_total"], _("finished")),
        (data["hundred_percent"], _("at 100%")),
        (data["reviews_total"], _("reviews")),
    ]
    x = 70
    for value, label in figures:
        draw.text((x, 270), str(value), font=_font(96, bold=True), fill=INK)
        draw.text((x, 385), label, font=_font(30), fill=MUTED)
        x += 360
    lines = []
    if data["highest"]:
        best = data["highest"][0]
        lines.append(_("Top rated: %(name)s (%(rating)s)") % {"name": best["title"]["name"], "rating": best["rating"]})
    if data["busiest_month"]:
        month = formats.date_format(dt.date(year, data["busiest_month"]["month"], 1), "F")
        lines.append(_("Busiest month: %(month)s") % {"month": month})
    for i, line in enumerate(lines):
        draw.text((70, 470 + i * 46), _fit(draw, line, _font(32), 1060), font=_font(32), fill=INK)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
