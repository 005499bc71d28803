"""HowLongToBeat's CSV export of a games library.

Status columns are flags (``X``); the time columns hold ``h:mm:ss`` or
``--``. A time in Completionist or Speed 100% means 100%, Completed means
completed, Playing in progress, Backlog the watchlist. ``Review`` is 0-100
already. The file has no release years.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .base import Row, clean_name, csv_rows, sniff, unsupported, year_of

_TIME = re.compile(r"^(\d+):(\d{1,2})(?::(\d{1,2}))?$")


def _flag(value: str) -> bool:
    return (value or "").strip().lower() in ("x", "1", "yes", "true")


def _has_time(value: str) -> bool:
    match = _TIME.match((value or "").strip())
    return bool(match) and any(int(g or 0) for g in match.groups())


def parse(data: bytes, *, filename: str = "") -> list[Row]:
    if sniff(data) != "text":
        raise unsupported()
    header, rows = csv_rows(data, required=("Title", "Playing", "Backlog", "Completed"))
    out = []
    for line, values in rows:
        row = Row(name=clean_name(values.get("Title")), type="game", line=line)
        for column in ("Completion Date", "Updated", "Added", "Start Date"):
            row.year_guess = row.year_guess or year_of(values.get(column))
        if _has_time(values.get("Completionist", "")) or _has_time(values.get("Speed 100%", "")):
            row.state = "hundred_percent"
        elif _flag(values.get("Completed", "")):
            row.state = "completed"
        elif _flag(values.get("Playing", "")) or _flag(values.get("Replay", "")):
            row.state = "in_progress"
        elif _flag(values.get("Backlog", "")):
            row.watchlist = True
        elif _flag(values.get("Retired", "")):
            row.skip = _("Retired (dropped): not imported.")
        else:
            row.skip = _("No status: not playing, completed or in the backlog.")
        review = (values.get("Review") or "").strip()
        if review.isdigit() and 0 < int(review) <= 100 and row.state:
            row.rating = int(review)
            row.text = (values.get("Review Notes") or "")[:10_000]
        if not row.name:
            row.skip = _("The row has no name.")
        out.append(row)
    return out
