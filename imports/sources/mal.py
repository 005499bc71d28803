"""MyAnimeList's XML export (``animelist_*.xml.gz`` or unpacked).

``<myanimelist><anime>`` with ``series_animedb_id``, ``series_title``,
``my_status`` (words, or the codes 1 watching, 2 completed, 3 on-hold,
4 dropped, 6 plan to watch), ``my_score`` (0 = not scored),
``my_finish_date`` (``0000-00-00`` when unknown) and ``my_comments``.
Parsed with defusedxml: no entities, no external references.
"""

from __future__ import annotations

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.utils.translation import gettext as _

from .base import Row, clean_name, gunzip, max_rows, max_unpacked, sniff, too_large, unsupported, year_of

STATUSES = {
    "1": "watching",
    "2": "completed",
    "3": "on-hold",
    "4": "dropped",
    "6": "plan to watch",
}


def _status(value: str) -> str:
    value = (value or "").strip().lower()
    return STATUSES.get(value, value)


def parse(data: bytes, *, filename: str = "") -> list[Row]:
    kind = sniff(data)
    if kind == "gzip":
        data = gunzip(data)
        kind = sniff(data)
    if kind != "xml":
        raise unsupported()
    if len(data) > max_unpacked():
        raise too_large(max_unpacked())
    try:
        root = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise unsupported(_("The XML file is malformed or unsafe.")) from exc
    if root.tag != "myanimelist":
        raise unsupported()
    entries = root.findall("anime")
    if not entries and root.findall("manga"):
        raise unsupported(_("This is a manga list: Walks imports anime lists."))
    if len(entries) > max_rows():
        raise unsupported(_("The file has more than %(n)d rows.") % {"n": max_rows()})
    out = []
    for n, entry in enumerate(entries, start=1):

        def text(tag: str, entry=entry) -> str:
            return (entry.findtext(tag) or "").strip()

        mal_id = text("series_animedb_id")
        row = Row(name=clean_name(text("series_title")), type="anime", mal=mal_id if mal_id.isdigit() else "", line=n)
        row.year_guess = year_of(text("my_start_date")) or year_of(text("my_finish_date"))
        status = _status(text("my_status"))
        if status == "watching":
            row.state = "in_progress"
        elif status == "completed":
            row.state = "completed"
        elif status in ("on-hold", "dropped"):
            row.state = "in_progress"
            row.held = True
        elif status == "plan to watch":
            row.watchlist = True
        else:
            row.skip = _("Unknown status %(s)s.") % {"s": text("my_status") or "?"}
        try:
            score = int(text("my_score") or 0)
        except ValueError:
            score = 0
        if 1 <= score <= 10 and row.state:
            row.rating = score * 10
            row.text = text("my_comments")[:10_000]
        if not row.name:
            row.skip = _("The row has no name.")
        out.append(row)
    return out
