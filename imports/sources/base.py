"""What every source parser shares: the row it yields, and reading an
uploaded file safely (size caps, archives and compression by content, CSV
with the csv module).

A parser never trusts the file: a row it cannot use becomes a row with a
``skip`` reason (the person sees it in the preview and the report), never an
exception; only a file that is not what it claims to be is refused whole.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import Invalid, PayloadTooLarge, ServiceError

STATES = ("in_progress", "completed", "hundred_percent")


class UnsupportedFile(ServiceError):
    status = 415
    code = "unsupported_file"


def max_upload() -> int:
    return int(getattr(settings, "IMPORT_MAX_UPLOAD_BYTES", 20 * 1024 * 1024))


def max_unpacked() -> int:
    return int(getattr(settings, "IMPORT_MAX_UNPACKED_BYTES", 100 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "IMPORT_MAX_ROWS", 100_000))


# A ratio no text export reaches (CSV of titles compresses about 5-10 times).
MAX_RATIO = 200
MAX_MEMBERS = 100


@dataclass
class Row:
    """One title of the file and what to do with it."""

    name: str = ""
    type: str = ""  # game | film | series | anime
    year: int | None = None
    alt_name: str = ""  # IMDb's original title: also tried for matching
    imdb: str = ""
    mal: str = ""
    state: str = ""  # a walk to set
    rating: int | None = None  # 0..100: a review to set
    text: str = ""
    watchlist: bool = False
    held: bool = False  # MAL On-Hold / Dropped: the person chooses at the preview
    year_guess: int | None = None  # a year to create the title with when the file has none
    skip: str = ""  # why the row is not imported
    line: int = 0
    notes: list[str] = field(default_factory=list)

    def as_data(self) -> dict:
        # Shallow (``asdict`` deep-copies every field: a quarter of the plan's time).
        data = {f: getattr(self, f) for f in self.__dataclass_fields__}
        data["notes"] = list(self.notes)
        return {k: v for k, v in data.items() if not (v is None or v is False or v == "" or v == [])}

    @classmethod
    def from_data(cls, data: dict) -> Row:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        _("The file is too large: at most %(mb)d MB.") % {"mb": max(1, limit // (1024 * 1024))},
        code="file_too_large",
    )


def unsupported(message: str | None = None) -> UnsupportedFile:
    return UnsupportedFile(message or _("This file is not an export this source makes."))


def read_upload(upload) -> bytes:
    """The uploaded file's bytes, refusing more than the cap without reading it all."""
    limit = max_upload()
    if getattr(upload, "size", 0) and upload.size > limit:
        raise too_large(limit)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    if not data:
        raise Invalid(_("The file is empty."), code="file_empty", errors={"file": [_("The file is empty.")]})
    return data


def gunzip(data: bytes) -> bytes:
    limit = max_unpacked()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
            out = handle.read(limit + 1)
    except (OSError, EOFError) as exc:
        raise unsupported(_("The compressed file is damaged.")) from exc
    if len(out) > limit:
        raise too_large(limit)
    return out


def unzip(data: bytes) -> dict[str, bytes]:
    """The members of a ZIP by base name, guarded against zip bombs: the
    declared sizes are checked first, then every member is read with a limit
    (a lying header cannot make it read more)."""
    limit = max_unpacked()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise unsupported(_("The archive is damaged.")) from exc
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > MAX_MEMBERS:
        raise unsupported(_("The archive has too many files."))
    total = sum(info.file_size for info in members)
    if total > limit:
        raise too_large(limit)
    out: dict[str, bytes] = {}
    read = 0
    for info in members:
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise unsupported(_("The archive is compressed suspiciously well."))
        if info.flag_bits & 0x1:
            raise unsupported(_("The archive is encrypted."))
        try:
            with archive.open(info) as handle:
                chunk = handle.read(min(info.file_size, limit - read) + 1)
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            raise unsupported(_("The archive is damaged.")) from exc
        if len(chunk) > info.file_size:
            raise unsupported(_("The archive is damaged."))
        read += len(chunk)
        out[info.filename.rsplit("/", 1)[-1].lower()] = chunk
    return out


def sniff(data: bytes) -> str:
    """What the bytes are, by content: zip, gzip, xml, json or text (csv)."""
    if data[:4] == b"PK\x03\x04":
        return "zip"
    if data[:2] == b"\x1f\x8b":
        return "gzip"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "xml"
    if head.startswith((b"{", b"[")):
        return "json"
    if b"\x00" in data[:8192]:
        raise unsupported()
    return "text"


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise unsupported(_("The file is not UTF-8 text.")) from exc


def csv_rows(data: bytes, *, required: Iterable[str]) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header and the rows (line number, dict) of a CSV, BOM and Windows
    line endings allowed; refuses a file without the ``required`` columns."""
    text = decode(data)
    if "\x00" in text:
        raise unsupported()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise unsupported() from exc
    missing = [c for c in required if c not in header]
    if missing:
        raise unsupported(
            _("This file is not an export this source makes: the columns %(c)s are missing.")
            % {"c": ", ".join(missing)}
        )

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        limit = max_rows()
        try:
            for n, values in enumerate(reader, start=2):
                if not any(v.strip() for v in values):
                    continue
                if n - 1 > limit:
                    raise Invalid(_("The file has more than %(n)d rows.") % {"n": limit}, code="too_many_rows")
                yield n, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        except csv.Error as exc:
            raise unsupported(_("The CSV file is malformed.")) from exc

    return header, rows()


_YEAR = re.compile(r"^\s*(\d{4})")


def year_of(value: str | None) -> int | None:
    """``"1999"``, ``"1999-03-31"`` → 1999; ``""``, ``"0000-00-00"``, junk → None."""
    match = _YEAR.match(value or "")
    if not match:
        return None
    year = int(match.group(1))
    return year if 1870 <= year <= 2100 else None


def date_of(value: str | None) -> date | None:
    try:
        parsed = date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None
    return parsed if parsed.year >= 1870 else None


def clean_name(value: str | None) -> str:
    name = " ".join((value or "").replace("\x00", "").split())
    return name[:200]
