"""Cursor (keyset) pages: ``?cursor=`` beside page numbers, constant time at any depth.

A page number costs ``OFFSET n``: the database reads and throws away ``n``
rows (or ``n`` index entries with the deferred join). A cursor names the
last row seen by its sort key and id, and the next page is
``WHERE (k, id) > (:k, :id) ORDER BY k, id LIMIT size + 1`` through the
index that serves the list's ordering: the same work on page 1 and page
50,000, and no ``COUNT``.

The ordering is read from the queryset (``qs.query.order_by``, or the
model's ``Meta.ordering``): field names, ``-field``, ``F(...)`` and
``F(...).asc/desc(nulls_first=/nulls_last=)``. The id ends it (added in
the last key's direction when the queryset lacks it). One key may be
nullable, as a title's rating is: the rows with and without a value are two
segments of the list, each read through the index on its own, in the order
the page-number list has them (NULLs where the queryset puts them, or where
the database does by default: last ascending on PostgreSQL, first on
SQLite), so that walking by cursors gives exactly the page-number order.

A cursor is the URL-safe base64 of compact JSON ``{"o", "l", "v", "d"}``:
the ordering it was made for (:func:`ordering_key`), a short digest of the
list (its path and filters, every query parameter but ``cursor``, ``page``
and ``page_size``), the key values of the row it points after (or before),
and the direction (``"n"`` next, ``"p"`` previous). It holds no secret, so
it is not signed; it is parsed strictly, and one made for another ordering
or another list, or with a value of the wrong type, is a 400
``invalid_cursor``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connections
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value, prefetch_related_objects
from django.db.models.expressions import OrderBy
from django.db.models.lookups import GreaterThan, LessThan
from django.utils.translation import gettext as _

from .errors import Invalid

PARAM = "cursor"
START = "start"  # ``?cursor=start`` (or ``?cursor=``): the first page in cursor mode
MAX_LENGTH = 512  # longer is refused before it is decoded
# Query parameters that move within one list rather than name another.
NOT_THE_LIST = frozenset({PARAM, "page", "page_size"})
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
_BIG = 2**63

INT_FIELDS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    }
)
TEXT_FIELDS = frozenset({"CharField", "TextField", "SlugField", "EmailField"})


def invalid_cursor() -> Invalid:
    message = _("This cursor is not valid for this list. Start again from the first page.")
    return Invalid(message, code="invalid_cursor", errors={PARAM: [message]})


@dataclass(frozen=True)
class Term:
    """One key of the ordering, as the database applies it."""

    field: Any  # the model field
    descending: bool
    nulls_first: bool  # where NULLs fall, explicit or the database's default
    spelled: str  # how the ordering key writes it

    @property
    def name(self) -> str:
        return self.field.attname

    def flipped(self) -> Term:
        return Term(self.field, not self.descending, not self.nulls_first, self.spelled)

    def order(self) -> OrderBy:
        """The term for one segment: the rows of a segment all have a value or
        none, so NULLs need no clause and the plain index order serves it."""
        return F(self.name).desc() if self.descending else F(self.name).asc()


def terms_of(queryset: QuerySet) -> list[Term]:
    """The ordering of ``queryset`` as terms ending with the primary key.

    Raises ImproperlyConfigured for an ordering a cursor cannot follow (a
    relation's field, an expression, a random order, or a second nullable
    key): a programming error, never the caller's input.
    """
    meta = queryset.model._meta
    query = queryset.query
    order = list(query.order_by) if query.order_by else list(meta.ordering if query.default_ordering else [])
    vendor_largest = connections[queryset.db].features.nulls_order_largest
    terms: list[Term] = []
    for item in order:
        explicit: bool | None = None
        if isinstance(item, str):
            descending, name = item.startswith("-"), item.lstrip("-")
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            descending, name = item.descending, item.expression.name
            explicit = True if item.nulls_first else False if item.nulls_last else None
        elif isinstance(item, F):
            descending, name = False, item.name
        else:
            raise ImproperlyConfigured(f"A cursor cannot follow the ordering {item!r} of {meta.label}.")
        if name == "pk":
            name = meta.pk.name
        try:
            field = meta.get_field(name)
        except FieldDoesNotExist:
            raise ImproperlyConfigured(f"A cursor cannot follow the ordering {item!r} of {meta.label}.") from None
        if getattr(field, "column", None) is None or field.is_relation and not field.many_to_one:
            raise ImproperlyConfigured(f"A cursor cannot follow the ordering {item!r} of {meta.label}.")
        if explicit is None:
            # NULL sorts as the largest value on PostgreSQL, the smallest on SQLite.
            explicit = descending if vendor_largest else not descending
        spelled = ("-" if descending else "") + name
        if isinstance(item, OrderBy) and (item.nulls_first or item.nulls_last):
            spelled += "~nf" if item.nulls_first else "~nl"
        terms.append(Term(field, descending, explicit, spelled))
        if field.primary_key:
            break
    else:
        last = terms[-1].descending if terms else False
        terms.append(Term(meta.pk, last, False, ("-" if last else "") + meta.pk.name))
    if len(terms) > 2 or any(t.field.null for t in terms[1:]):
        # One key and the id cover every list here; more would need the
        # segments of every nullable prefix.
        raise ImproperlyConfigured(f"A cursor follows one key and the id; {meta.label} is ordered by {order!r}.")
    return terms


def ordering_key(queryset: QuerySet) -> str:
    """What a cursor for ``queryset`` names its ordering by, e.g.
    ``catalog.title:-rating~nl,-id`` (``~nl``/``~nf``: NULLs last/first when
    the queryset says so)."""
    return _ordering_key(queryset.model._meta.label_lower, terms_of(queryset))


def _ordering_key(label: str, terms: list[Term]) -> str:
    return f"{label}:{','.join(t.spelled for t in terms)}"


def list_digest(url: str) -> str:
    """The list a URL names: its path and filters (every query parameter but
    ``cursor``, ``page`` and ``page_size``), in any order, as 12 hex digits."""
    from urllib.parse import parse_qsl

    parts = urlsplit(url)
    params = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in NOT_THE_LIST)
    return hashlib.sha256(f"{parts.path}?{urlencode(params)}".encode()).hexdigest()[:12]


def _request_digest(request) -> str:
    params = sorted((k, v) for k, values in request.GET.lists() if k not in NOT_THE_LIST for v in values)
    return hashlib.sha256(f"{request.path}?{urlencode(params)}".encode()).hexdigest()[:12]


def _json_value(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def encode_cursor(ordering: str, values: list, *, url: str, direction: str = "next") -> str:
    """A cursor for the position after (``direction="next"``) or before
    (``"previous"``) the row whose key values are ``values``, on the list at
    ``url``. Lets a benchmark or a client jump to any depth without walking
    the list.

    - ``ordering``: :func:`ordering_key` of the list's queryset, e.g.
      ``"catalog.title:rating~nl,id"`` for ``/api/v1/titles?ordering=rating``;
    - ``values``: one per term of the ordering, the id last, as the row holds
      them (``[7.5, 1234]``, ``[None, 99]`` for an unrated title, a datetime
      or its ISO 8601 text for ``updated_at``);
    - ``url``: the list's path with its filters, e.g.
      ``"/api/v1/titles?type=film&ordering=rating"`` (``page``, ``page_size``
      and ``cursor`` are ignored).
    """
    if direction not in ("next", "previous"):
        raise ValueError("direction is 'next' or 'previous'")
    return _encode(ordering, list_digest(url), values, "n" if direction == "next" else "p")


def _encode(ordering: str, digest: str, values: Iterable, direction: str) -> str:
    body = {"o": ordering, "l": digest, "v": [_json_value(v) for v in values], "d": direction}
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(raw: str, *, ordering: str, digest: str, terms: list[Term]) -> tuple[list, str]:
    if len(raw) > MAX_LENGTH or not _ALPHABET.fullmatch(raw):
        raise invalid_cursor()
    try:
        body = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error, RecursionError):
        raise invalid_cursor() from None
    if not isinstance(body, dict) or set(body) != {"o", "l", "v", "d"}:
        raise invalid_cursor()
    if body["o"] != ordering or body["l"] != digest or body["d"] not in ("n", "p"):
        raise invalid_cursor()
    values = body["v"]
    if not isinstance(values, list) or len(values) != len(terms):
        raise invalid_cursor()
    return [_value(term.field, value) for term, value in zip(terms, values, strict=True)], body["d"]


def _value(field, value):
    """``value`` from a cursor as ``field`` holds it, strictly (no ``true``
    for 1, no ``"7"`` for 7)."""
    if value is None:
        if field.null:
            return None
        raise invalid_cursor()
    kind = field.get_internal_type()
    if kind in INT_FIELDS or kind == "ForeignKey" and field.target_field.get_internal_type() in INT_FIELDS:
        if type(value) is int and -_BIG <= value < _BIG:
            return value
    elif kind == "FloatField":
        if type(value) in (int, float) and math.isfinite(value):
            return float(value)
    elif kind == "DecimalField":
        if type(value) is str and len(value) <= 64:
            try:
                number = decimal.Decimal(value)
            except decimal.InvalidOperation:
                raise invalid_cursor() from None
            if number.is_finite():
                return number
    elif kind == "DateTimeField":
        if type(value) is str and len(value) <= 40:
            try:
                moment = dt.datetime.fromisoformat(value)
            except ValueError:
                raise invalid_cursor() from None
            if moment.tzinfo is not None:
                return moment
    elif kind == "DateField":
        if type(value) is str and len(value) <= 10:
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise invalid_cursor() from None
    elif kind in TEXT_FIELDS:
        if type(value) is str and "\x00" not in value and len(value) <= (field.max_length or 1000):
            return value
    elif kind == "BooleanField":
        if type(value) is bool:
            return value
    else:
        raise ImproperlyConfigured(f"A cursor cannot hold a {kind} ({field}).")
    raise invalid_cursor()


class _Row(Func):
    """``(a, b)``: a row value, compared as a whole, which PostgreSQL and
    SQLite (3.15+) turn into one index range."""

    function = ""
    template = "(%(expressions)s)"
    output_field = BooleanField()  # never selected; only compared


def _after(terms: list[Term], values: list) -> Q | Any:
    """Rows strictly after ``values`` among those whose key is not NULL."""
    key, pk = terms
    value, ident = values
    k, i = key.name, pk.name
    bound = Q(**{f"{k}__lte" if key.descending else f"{k}__gte": value})
    if key.descending == pk.descending:
        lookup = LessThan if key.descending else GreaterThan
        row = lookup(_Row(F(k), F(i)), _Row(Value(value, output_field=key.field), Value(ident, output_field=pk.field)))
        # The bound as well: a planner that cannot range-scan a row value
        # still starts the index scan at the key.
        return bound & Q(row)
    beyond = Q(**{f"{k}__lt" if key.descending else f"{k}__gt": value})
    tie = Q(**{k: value, f"{i}__lt" if pk.descending else f"{i}__gt": ident})
    return bound & (beyond | tie)


def _id_after(pk: Term, ident) -> Q:
    return Q(**{f"{pk.name}__lt" if pk.descending else f"{pk.name}__gt": ident})


def segments(terms: list[Term], values: list | None) -> list[tuple[Q, list[OrderBy]]]:
    """The parts of the list after ``values`` (all of it for ``None``), in
    order, each a filter and the ordering that reads it through an index."""
    if len(terms) == 1:
        (pk,) = terms
        where = Q() if values is None else _id_after(pk, values[0])
        return [(where, [pk.order()])]
    key, pk = terms
    valued = [key.order(), pk.order()]
    if not key.field.null:
        return [(Q() if values is None else _after(terms, values), valued)]
    nulls = [pk.order()]
    has_value, no_value = Q(**{f"{key.name}__isnull": False}), Q(**{f"{key.name}__isnull": True})
    if values is None:
        parts = [(has_value, valued), (no_value, nulls)]
        return parts[::-1] if key.nulls_first else parts
    if values[0] is None:
        parts = [(no_value & _id_after(pk, values[1]), nulls)]
        return [*parts, (has_value, valued)] if key.nulls_first else parts
    parts = [(_after(terms, values), valued)]
    return parts if key.nulls_first else [*parts, (no_value, nulls)]


@dataclass
class CursorPage:
    rows: list
    next: str | None  # a cursor, or None at the end
    previous: str | None  # a cursor, ``START`` for the first page, or None at the start


def _read(queryset: QuerySet, parts, limit: int) -> list:
    """Up to ``limit`` rows from the segments in turn: one query when the
    first segment has enough (the usual case), one more at the seam."""
    prefetch = list(queryset._prefetch_related_lookups)
    plain = queryset.prefetch_related(None) if prefetch else queryset
    rows: list = []
    for where, order in parts:
        rows += list(plain.filter(where).order_by(*order)[: limit - len(rows)])
        if len(rows) >= limit:
            break
    if prefetch:
        prefetch_related_objects(rows, *prefetch)
    return rows


def cursor_page(queryset: QuerySet, request, *, size: int, raw: str) -> CursorPage:
    """The page ``raw`` (a cursor, ``START`` or empty) of ``queryset``, ``size`` rows."""
    terms = terms_of(queryset)
    ordering = _ordering_key(queryset.model._meta.label_lower, terms)
    digest = _request_digest(request)
    if raw in ("", START):
        values, direction = None, "n"
    else:
        values, direction = _decode(raw, ordering=ordering, digest=digest, terms=terms)
    read_terms = terms if direction == "n" else [t.flipped() for t in terms]
    rows = _read(queryset, segments(read_terms, values), size + 1)
    more, rows = len(rows) > size, rows[:size]

    def at(row, d: str) -> str:
        return _encode(ordering, digest, [getattr(row, t.name) for t in terms], d)

    if direction == "n":
        following = at(rows[-1], "n") if more and rows else None
        if values is None:
            preceding = None
        elif rows:
            preceding = at(rows[0], "p")
        else:
            # Past the end (its rows deleted since): back from where it was.
            preceding = _encode(ordering, digest, values, "p")
        return CursorPage(rows, following, preceding)
    rows.reverse()
    preceding = at(rows[0], "p") if more and rows else None
    following = at(rows[-1], "n") if rows else START
    return CursorPage(rows, following, preceding)
