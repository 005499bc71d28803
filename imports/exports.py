"""Everything a person has, to take away: JSON, a ZIP of CSVs, and a CSV
that Letterboxd's importer reads.

Every format is a generator over database iterators (chunks of
``CHUNK`` rows), so a 50,000-row history is never held in memory; the
ZIP is written into a small buffer that is drained after each row.
The JSON is what ``imports.sources.walks`` reads back, so moving between
two Walks installs loses nothing.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.models import User
from reviews.models import Review
from walks.models import Walk, WatchlistEntry

CHUNK = 2000
FORMAT = "walks-export"
VERSION = 1


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _title(title) -> dict:
    return {
        "id": title.pk,
        "name": title.name,
        "type": title.type,
        "release_year": title.release_year,
        "external_ids": {e.provider: e.external_id for e in title.external_ids.all()},
    }


def _walks(user) -> Iterator[Walk]:
    qs = Walk.objects.filter(user=user).select_related("title").prefetch_related("title__external_ids")
    return qs.order_by("id").iterator(chunk_size=CHUNK)


def _reviews(user) -> Iterator[Review]:
    qs = Review.objects.filter(user=user).select_related("title").prefetch_related("title__external_ids")
    return qs.order_by("id").iterator(chunk_size=CHUNK)


def _watchlist(user) -> Iterator[WatchlistEntry]:
    qs = WatchlistEntry.objects.filter(user=user).select_related("title").prefetch_related("title__external_ids")
    return qs.order_by("id").iterator(chunk_size=CHUNK)


def _profile(user) -> dict:
    profile = user.profile
    return {
        "id": user.pk,
        "uuid": str(user.uuid),
        "email": user.email,
        "username": profile.username,
        "bio": profile.bio,
        "links": profile.links,
        "locale": user.locale,
        "avatar": profile.avatar.name or None,
        "joined_at": _iso(user.joined_at),
        "last_auth_at": _iso(user.last_auth_at),
    }


def _linked(user) -> list[dict]:
    if not user.group_uuid:
        return []
    mates = User.objects.filter(group_uuid=user.group_uuid).exclude(pk=user.pk).select_related("profile")
    return [{"id": m.pk, "username": m.profile.username, "email": m.email} for m in mates.order_by("pk")]


def _walk_item(w: Walk) -> dict:
    return {
        "title": _title(w.title),
        "state": w.state,
        "created_at": _iso(w.created_at),
        "updated_at": _iso(w.updated_at),
    }


def _review_item(r: Review) -> dict:
    return {
        "title": _title(r.title),
        "rating": r.rating,
        "text": r.text,
        "created_at": _iso(r.created_at),
        "updated_at": _iso(r.updated_at),
    }


def _watch_item(e: WatchlistEntry) -> dict:
    return {"title": _title(e.title), "added_at": _iso(e.added_at)}


def export_json(*, user) -> Iterator[bytes]:
    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    head = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(timezone.now()),
        "profile": _profile(user),
        "linked_group": {"group_uuid": str(user.group_uuid) if user.group_uuid else None, "accounts": _linked(user)},
    }
    yield dump(head)[:-1].encode()
    for name, items, item in (
        ("walks", _walks(user), _walk_item),
        ("reviews", _reviews(user), _review_item),
        ("watchlist", _watchlist(user), _watch_item),
    ):
        yield f', "{name}": ['.encode()
        first = True
        for obj in items:
            yield (("" if first else ",\n") + dump(item(obj))).encode()
            first = False
        yield b"]"
    yield b"}\n"


class _Sink(io.RawIOBase):
    """A write-only stream that keeps what was written until drained."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def drain(self) -> bytes:
        out = b"".join(self.parts)
        self.parts = []
        return out


def _csv_line(values: Iterable) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(["" if v is None else v for v in values])
    return buffer.getvalue().encode()


def _safe(value: str) -> str:
    """No formula injection when a CSV is opened in a spreadsheet."""
    return "'" + value if (value or "")[:1] in ("=", "+", "-", "@", "\t", "\r") else value


TITLE_COLUMNS = ("title_id", "title", "type", "release_year", "imdb", "mal")


def _title_cells(title) -> list:
    ids = {e.provider: e.external_id for e in title.external_ids.all()}
    return [title.pk, _safe(title.name), title.type, title.release_year, ids.get("imdb", ""), ids.get("mal", "")]


def export_zip(*, user) -> Iterator[bytes]:
    sink = _Sink()
    archive = zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_DEFLATED)
    files = (
        (
            "profile.csv",
            ("id", "email", "username", "bio", "links", "locale", "joined_at"),
            iter([user]),
            lambda u: [
                u.pk,
                u.email,
                _safe(u.profile.username),
                _safe(u.profile.bio),
                " ".join(map(str, u.profile.links or [])),
                u.locale,
                _iso(u.joined_at),
            ],
        ),
        (
            "linked_accounts.csv",
            ("id", "username", "email"),
            iter(_linked(user)),
            lambda m: [m["id"], m["username"], m["email"]],
        ),
        (
            "walks.csv",
            (*TITLE_COLUMNS, "state", "created_at", "updated_at"),
            _walks(user),
            lambda w: [
                *_title_cells(w.title),
                w.state,
                _iso(w.created_at),
                _iso(w.updated_at),
            ],
        ),
        (
            "reviews.csv",
            (*TITLE_COLUMNS, "rating", "text", "created_at", "updated_at"),
            _reviews(user),
            lambda r: [
                *_title_cells(r.title),
                r.rating,
                _safe(r.text),
                _iso(r.created_at),
                _iso(r.updated_at),
            ],
        ),
        (
            "watchlist.csv",
            (*TITLE_COLUMNS, "added_at"),
            _watchlist(user),
            lambda e: [
                *_title_cells(e.title),
                _iso(e.added_at),
            ],
        ),
    )
    for name, header, rows, cells in files:
        with archive.open(name, mode="w", force_zip64=True) as member:
            member.write(b"\xef\xbb\xbf" + _csv_line(header))
            for n, row in enumerate(rows):
                member.write(_csv_line(cells(row)))
                if n % 200 == 0:
                    yield sink.drain()
        yield sink.drain()
    archive.close()
    yield sink.drain()


def export_letterboxd(*, user) -> Iterator[bytes]:
    """The person's films in the columns Letterboxd's importer reads
    (``Title,Year,imdbID,Rating10,WatchedDate,Review``): every walked film,
    with the review's rating (0-100 → 1-10) and text where there is one."""
    yield b"\xef\xbb\xbf" + _csv_line(("Title", "Year", "imdbID", "Rating10", "WatchedDate", "Review"))
    mine = Review.objects.filter(user=user, title_id=OuterRef("title_id"))
    films = (
        Walk.objects.filter(user=user, title__type="film")
        .select_related("title")
        .prefetch_related("title__external_ids")
        .annotate(my_rating=Subquery(mine.values("rating")[:1]), my_text=Subquery(mine.values("text")[:1]))
        .order_by("id")
    )
    for walk in films.iterator(chunk_size=CHUNK):
        ids = {e.provider: e.external_id for e in walk.title.external_ids.all()}
        rating = max(1, (walk.my_rating + 5) // 10) if walk.my_rating is not None else ""  # half up
        yield _csv_line(
            [
                _safe(walk.title.name),
                walk.title.release_year,
                ids.get("imdb", ""),
                rating,
                walk.updated_at.date().isoformat() if walk.state != "in_progress" else "",
                _safe(walk.my_text or ""),
            ]
        )


EXPORTS = {
    "json": (export_json, "application/json", "json"),
    "zip": (export_zip, "application/zip", "zip"),
    "letterboxd": (export_letterboxd, "text/csv; charset=utf-8", "csv"),
}
