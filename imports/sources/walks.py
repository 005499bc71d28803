"""Walks' own JSON export (imports.exports), so that moving between two
Walks installs loses nothing: walks, reviews and the watchlist, each with
its title's name, type, year and external ids."""

from __future__ import annotations

import json

from django.utils.translation import gettext as _

from .base import Row, clean_name, decode, gunzip, max_rows, sniff, unsupported

FORMAT = "walks-export"
TYPES = ("game", "film", "series", "anime")


def _key(title: dict) -> tuple:
    return (title.get("type"), title.get("name"), title.get("release_year"))


def parse(data: bytes, *, filename: str = "") -> list[Row]:
    kind = sniff(data)
    if kind == "gzip":
        data = gunzip(data)
        kind = sniff(data)
    if kind != "json":
        raise unsupported()
    try:
        doc = json.loads(decode(data))
    except ValueError as exc:
        raise unsupported(_("The JSON file is malformed.")) from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise unsupported(_("This is not a Walks export."))
    rows: dict[tuple, Row] = {}

    def row_for(item) -> Row | None:
        title = item.get("title") if isinstance(item, dict) else None
        if not isinstance(title, dict):
            return None
        key = _key(title)
        row = rows.get(key)
        if row is None:
            ids = title.get("external_ids") if isinstance(title.get("external_ids"), dict) else {}
            year = title.get("release_year")
            row = rows[key] = Row(
                name=clean_name(str(title.get("name") or "")),
                type=title.get("type") if title.get("type") in TYPES else "",
                year=year if type(year) is int and 1870 <= year <= 2100 else None,
                imdb=str(ids.get("imdb") or "")[:64],
                mal=str(ids.get("mal") or "")[:64],
                line=len(rows) + 1,
            )
            if not row.name or not row.type:
                row.skip = _("The title has no name or type.")
        return row

    for section in ("walks", "reviews", "watchlist"):
        items = doc.get(section) or []
        if not isinstance(items, list) or len(items) > max_rows():
            raise unsupported(_("This is not a Walks export."))
        for item in items:
            row = row_for(item)
            if row is None:
                continue
            if section == "walks" and item.get("state") in ("in_progress", "completed", "hundred_percent"):
                row.state = item["state"]
                row.watchlist = False
            elif section == "reviews" and type(item.get("rating")) is int and 0 <= item["rating"] <= 100:
                row.rating = item["rating"]
                row.text = str(item.get("text") or "")[:10_000]
            elif section == "watchlist" and not row.state:
                row.watchlist = True
    return list(rows.values())
