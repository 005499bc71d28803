"""Letterboxd's export: a ZIP of CSVs, or one of them alone.

``watched.csv`` and ``watchlist.csv`` (``Date,Name,Year,Letterboxd URI``),
``ratings.csv`` (``+Rating``, 0.5-5 in half stars), ``diary.csv`` (``Rating,
Rewatch,Tags,Watched Date``) and ``reviews.csv`` (``+Review``). The files
carry no ids: one row per film (name and year), with the watched state, the
latest rating and review text, or a place on the watchlist.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from catalog.names import name_key

from .base import Row, clean_name, csv_rows, sniff, unsupported, unzip, year_of

REQUIRED = ("Name", "Year")
# Read in this order: a later file's rating or text wins (diary and
# reviews hold the newest ones).
ORDER = ("watched.csv", "ratings.csv", "diary.csv", "reviews.csv", "watchlist.csv")


def _rating(value: str) -> int | None | str:
    if not value:
        return None
    try:
        stars = float(value)
    except ValueError:
        return "bad"
    if not 0 < stars <= 5 or (stars * 2) != int(stars * 2):
        return "bad"
    return round(stars * 20)


def _kind(filename: str, header: list[str]) -> str:
    if "Review" in header:
        return "reviews.csv"
    if "Watched Date" in header or "Rewatch" in header:
        return "diary.csv"
    if "Rating" in header:
        return "ratings.csv"
    # watched.csv and watchlist.csv have the same columns: the name tells.
    return "watchlist.csv" if "watchlist" in filename.lower() else "watched.csv"


def parse(data: bytes, *, filename: str = "") -> list[Row]:
    kind = sniff(data)
    if kind == "zip":
        members = unzip(data)
        files = [(name, members[name]) for name in ORDER if name in members]
        if not files:
            raise unsupported(_("The archive has none of Letterboxd's files (watched.csv, ratings.csv, ...)."))
    elif kind == "text":
        files = [(filename, data)]
    else:
        raise unsupported()

    films: dict[tuple[str, int | None], Row] = {}
    for name, content in files:
        header, rows = csv_rows(content, required=REQUIRED)
        which = _kind(name, header) if kind == "text" else name
        for line, values in rows:
            title = clean_name(values.get("Name"))
            year = year_of(values.get("Year"))
            key = (name_key(title), year)
            row = films.get(key)
            if row is None:
                row = films[key] = Row(name=title, type="film", year=year, line=line)
            if not title:
                row.skip = _("The row has no name.")
                continue
            if which == "watchlist.csv":
                if not row.state:
                    row.watchlist = True
                continue
            row.state = "completed"
            row.watchlist = False
            rating = _rating(values.get("Rating", ""))
            if rating == "bad":
                row.notes.append(_("The rating %(r)s is not 0.5 to 5 stars.") % {"r": values.get("Rating")})
            elif rating is not None:
                row.rating = rating
            if which == "reviews.csv" and values.get("Review"):
                row.text = values["Review"][:10_000]
    out = list(films.values())
    for row in out:
        if row.text and row.rating is None:
            row.notes.append(_("Review text without a rating: Walks reviews need a rating, the text was left out."))
            row.text = ""
    return out
