"""Each source's parser on files shaped like the real exports, quirks included."""

from __future__ import annotations

import gzip
import io
import zipfile

import pytest

from core.errors import PayloadTooLarge
from imports.sources import hltb, imdb, letterboxd, mal
from imports.sources.base import UnsupportedFile

from .conftest import FILES


def by_name(rows):
    return {r.name: r for r in rows}


def test_letterboxd_zip_merges_the_files_per_film():
    rows = by_name(letterboxd.parse((FILES / "letterboxd.zip").read_bytes(), filename="letterboxd.zip"))
    # Half stars ×20; the diary/reviews rating wins; the BOM and CRLF are handled.
    assert rows["The Godfather"].rating == 90 and rows["The Godfather"].state == "completed"
    assert rows["The Godfather"].watchlist is False  # watched beats the watchlist
    assert rows["Amélie"].rating == 10 and rows["Amélie"].year == 2001
    assert rows["Parasite"].rating == 100 and rows["Parasite"].text == 'Perfect, in every "way".'
    assert rows["Drive My Car"].rating == 70
    assert rows["Perfect Days"].watchlist and not rows["Perfect Days"].state
    # A review without a rating keeps the walk and says why the text is left out.
    assert rows["Tenet"].state == "completed" and rows["Tenet"].rating is None and rows["Tenet"].notes
    assert all(r.type == "film" for r in rows.values())


def test_letterboxd_csv_alone_by_its_columns_and_name():
    data = b"\xef\xbb\xbfDate,Name,Year,Letterboxd URI\r\n2023-01-01,Perfect Days,2023,x\r\n"
    (row,) = letterboxd.parse(data, filename="watchlist.csv")
    assert row.watchlist and not row.state
    (row,) = letterboxd.parse(data, filename="watched.csv")
    assert row.state == "completed"
    (row,) = letterboxd.parse(b"Date,Name,Year,Letterboxd URI,Rating\n2020-01-01,Heat,1995,x,2.5\n", filename="r.csv")
    assert row.rating == 50


def test_letterboxd_bad_rating_is_a_note_not_a_crash():
    (row,) = letterboxd.parse(b"Date,Name,Year,Letterboxd URI,Rating\n2020-01-01,Heat,1995,x,7\n", filename="r.csv")
    assert row.rating is None and row.notes and row.state == "completed"


def test_imdb_current_format():
    rows = by_name(imdb.parse((FILES / "imdb_ratings.csv").read_bytes()))
    assert rows["The Godfather"].imdb == "tt0068646" and rows["The Godfather"].rating == 100
    assert rows["Amelie"].alt_name == "Le fabuleux destin d'Amélie Poulain" and rows["Amelie"].rating == 80
    assert rows["Breaking Bad"].type == "series" and rows["Breaking Bad"].state == "completed"
    assert "episode" in rows["Pilot"].skip
    assert "game" in rows["Some Game"].skip


def test_imdb_older_format():
    rows = by_name(imdb.parse((FILES / "imdb_ratings_old.csv").read_bytes()))
    assert rows["The Godfather"].type == "film" and rows["Breaking Bad"].type == "series"
    assert rows["Pilot"].skip


def test_imdb_watchlist():
    rows = by_name(imdb.parse((FILES / "imdb_watchlist.csv").read_bytes()))
    assert rows["The Shawshank Redemption"].watchlist and rows["Game of Thrones"].type == "series"
    assert rows["The Shawshank Redemption"].rating is None


@pytest.mark.parametrize("name", ["mal.xml", "animelist.xml.gz"])
def test_mal_plain_and_gzipped_with_numeric_statuses(name):
    rows = by_name(mal.parse((FILES / name).read_bytes()))
    fma = rows["Fullmetal Alchemist: Brotherhood"]
    assert fma.mal == "5114" and fma.state == "completed" and fma.rating == 100 and fma.text == "A masterpiece."
    assert fma.year_guess == 2019
    death_note = rows["Death Note"]  # status 1, score 0 = unscored, 0000-00-00 dates
    assert death_note.state == "in_progress" and death_note.rating is None and death_note.year_guess is None
    assert rows["One Piece"].held and rows["One Piece"].rating == 70
    assert rows["Bleach"].held  # 4 = dropped
    assert rows["Kimi no Na wa."].watchlist  # 6 = plan to watch


def test_mal_refuses_entities_and_manga():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><myanimelist><anime><series_title>&a;</series_title></anime></myanimelist>'
    with pytest.raises(UnsupportedFile):
        mal.parse(bomb)
    with pytest.raises(UnsupportedFile):
        mal.parse(b"<myanimelist><manga><series_title>x</series_title></manga></myanimelist>")


def test_gzip_bomb_is_capped(settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 10_000
    with pytest.raises(PayloadTooLarge):
        mal.parse(gzip.compress(b"<myanimelist>" + b" " * 50_000 + b"</myanimelist>"))


def test_zip_bomb_is_refused(settings):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("watched.csv", b"Date,Name,Year,Letterboxd URI\n" + b"\n" * 5_000_000)
    with pytest.raises((UnsupportedFile, PayloadTooLarge)):
        letterboxd.parse(buffer.getvalue())
    settings.IMPORT_MAX_UNPACKED_BYTES = 100
    with pytest.raises(PayloadTooLarge):
        letterboxd.parse((FILES / "letterboxd.zip").read_bytes())


def test_hltb_states():
    rows = by_name(hltb.parse((FILES / "hltb.csv").read_bytes()))
    assert rows["Hollow Knight"].state == "hundred_percent" and rows["Hollow Knight"].rating == 95
    assert rows["Hollow Knight"].text == "Loved it" and rows["Hollow Knight"].year_guess == 2019
    assert rows["Celeste"].state == "completed" and rows["Celeste"].rating == 90
    assert rows["Elden Ring"].state == "in_progress" and rows["Elden Ring"].rating is None
    assert rows["Hades"].watchlist
    assert rows["Anthem"].skip


@pytest.mark.parametrize(
    ("parser", "data"),
    [
        (imdb.parse, b"\x89PNG\r\n\x1a\n\x00\x00binary"),
        (imdb.parse, b"a,b,c\n1,2,3\n"),
        (letterboxd.parse, b"PK\x03\x04garbage"),
        (hltb.parse, b"<html></html>"),
        (mal.parse, b"Title,Platform\n"),
        (imdb.parse, "Const,Title\n".encode("utf-16")),
    ],
)
def test_wrong_files_are_415(parser, data):
    with pytest.raises(UnsupportedFile):
        parser(data)
