"""One parser per source: ``parse(data: bytes, *, filename: str) -> list[Row]``."""

from __future__ import annotations

from . import hltb, imdb, letterboxd, mal, walks

PARSERS = {
    "letterboxd": letterboxd.parse,
    "imdb": imdb.parse,
    "mal": mal.parse,
    "hltb": hltb.parse,
    "walks": walks.parse,
}
SOURCES = tuple(PARSERS)
