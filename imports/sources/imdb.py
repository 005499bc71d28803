"""IMDb's ``ratings.csv`` and watchlist export.

Both formats: the current one (``Const,Your Rating,Date Rated,Title,Original
Title,URL,Title Type,...``, types such as ``Movie``, ``TV Series``) and the
older one (no ``Original Title``; types such as ``movie``, ``tvSeries``).
The watchlist has a ``Position`` column. ``Your Rating`` 1-10 becomes 10-100.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import Row, clean_name, csv_rows, sniff, unsupported, year_of

TYPES = {
    "movie": "film",
    "tvmovie": "film",
    "short": "film",
    "tvshort": "film",
    "video": "film",
    "tvspecial": "film",
    "tvseries": "series",
    "tvminiseries": "series",
}
SKIPPED = {
    "tvepisode": gettext_lazy("An episode: Walks tracks whole series."),
    "videogame": gettext_lazy("A video game: IMDb's data on games is not imported, use a games source."),
    "podcastseries": gettext_lazy("A podcast: Walks does not track podcasts."),
    "podcastepisode": gettext_lazy("A podcast: Walks does not track podcasts."),
    "musicvideo": gettext_lazy("A music video: Walks does not track these."),
}
_CONST = re.compile(r"^tt\d{5,10}$")


def _type_key(value: str) -> str:
    return re.sub(r"[^a-z]", "", (value or "").lower())


def parse(data: bytes, *, filename: str = "") -> list[Row]:
    if sniff(data) != "text":
        raise unsupported()
    header, rows = csv_rows(data, required=("Const", "Title", "Title Type", "Year"))
    watchlist = "Position" in header
    if not watchlist and "Your Rating" not in header:
        raise unsupported(_("This IMDb file is neither the ratings nor the watchlist export."))
    out = []
    for line, values in rows:
        const = values.get("Const", "")
        row = Row(
            name=clean_name(values.get("Title")),
            alt_name=clean_name(values.get("Original Title")),
            year=year_of(values.get("Year")) or year_of(values.get("Release Date")),
            imdb=const if _CONST.match(const) else "",
            line=line,
        )
        if row.alt_name == row.name:
            row.alt_name = ""
        type_key = _type_key(values.get("Title Type", ""))
        row.type = TYPES.get(type_key, "")
        if not row.type:
            row.skip = str(
                SKIPPED.get(type_key)
                or _("The title type %(t)s is not tracked.") % {"t": values.get("Title Type") or "?"}
            )
        elif not row.name:
            row.skip = _("The row has no name.")
        if watchlist:
            row.watchlist = True
        else:
            try:
                score = int(values.get("Your Rating", ""))
            except ValueError:
                score = 0
            if 1 <= score <= 10:
                row.rating = score * 10
                row.state = "completed"
            else:
                row.skip = row.skip or _("No rating from 1 to 10.")
        out.append(row)
    return out
