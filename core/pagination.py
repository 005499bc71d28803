"""Pagination for every list, API and pages alike.

Compared with DRF's default: ``page=abc`` is a 400 (``invalid_page``), a
page past the end a 404 (``page_not_found``), both in the project's
``{"detail", "code"}`` shape; a view may supply the total itself (the
catalogue caches the size of a type rather than counting it every time);
and a page far from the start is read with a deferred join (see
:meth:`Paginator.page`).

Beside page numbers, every list answers ``?cursor=``: keyset pages,
constant time at any depth, ``{next, previous, results}`` without a
``count`` (see core.cursor). ``?cursor=start`` (or an empty ``cursor=``)
is the first page; ``next`` and ``previous`` carry the cursors.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models.query import ModelIterable, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from . import cursor
from .cursor import encode_cursor, ordering_key  # noqa: F401  (for the benchmark and clients)
from .errors import Invalid, NotFound

# Pages that start this many rows or more into the list read their ids first.
DEFERRED_JOIN_OFFSET = 1000


class Paginator(DjangoPaginator):
    def __init__(self, object_list, per_page, *, count: Callable[[], int] | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @cached_property
    def count(self) -> int:
        if self._count is not None:
            return self._count()
        return DjangoPaginator.count.func(self)  # a queryset's count(), a list's len()

    def page(self, number):
        """The page ``number``, as Django's, with a deferred join for deep pages.

        ``ORDER BY ... LIMIT 20 OFFSET 200000`` makes the database fetch and
        throw away 200,000 whole rows. Far from the start the page's ids are
        read first (an index-only scan when an index matches the filter and
        the ordering), then only those rows. The queryset must be ordered
        with a unique tie-break (the id), as every list here is, or pages
        would overlap anyway.
        """
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        # Django cuts the last page at the count. A count the caller supplies
        # may lag the rows a little (cached, or kept by a recompute), and
        # without orphans slicing past the end gives the same rows anyway:
        # cut only for orphans, so a lagging count never hides a row.
        if self.orphans and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self._rows(bottom, top), number, self)

    def _rows(self, bottom: int, top: int):
        qs = self.object_list
        if bottom < DEFERRED_JOIN_OFFSET or not _deferrable(qs):
            return qs[bottom:top]
        ids = list(qs.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in qs.filter(pk__in=ids).order_by()}
        # A row deleted between the two reads is simply left out.
        return [rows[pk] for pk in ids if pk in rows]


def _deferrable(qs) -> bool:
    """Whether ``qs`` is a plain ordered list of model rows (no grouping,
    distinct or union, whose ids alone would not reproduce the page)."""
    return (
        isinstance(qs, QuerySet)
        and qs._iterable_class is ModelIterable
        and qs.ordered
        and not qs.query.distinct
        and qs.query.group_by is None
        and qs.query.combinator is None
    )


class PageNumberPagination(pagination.PageNumberPagination):
    """``{count, next, previous, results}``; ``page_size`` up to 100."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request) -> int:
        """``page_size`` a whole number from 1 (more than 100 gives 100, as the
        schema says); anything else (0, -1, false) is a 400 ``invalid_page_size``,
        never a silent fallback to the default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            message = _("The page size must be a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
            raise Invalid(message, code="invalid_page_size", errors={self.page_size_query_param: [message]})
        return min(int(raw), self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        self.cursor_page = None
        if cursor.PARAM in request.query_params:
            if self.page_query_param in request.query_params:
                message = _("Use either a cursor or a page number, not both.")
                raise Invalid(message, code="cursor_with_page", errors={cursor.PARAM: [message]})
            raw = request.query_params[cursor.PARAM]
            self.cursor_page = cursor.cursor_page(queryset, request, size=page_size, raw=raw)
            return self.cursor_page.rows
        count = getattr(view, "count_hint", None)
        paginator = Paginator(queryset, page_size, count=(lambda: count(queryset)) if count else None)
        number = request.query_params.get(self.page_query_param, "1")
        if number == "last":
            number = paginator.num_pages
        elif not (number.isascii() and number.isdigit()) or int(number) < 1:
            # Django's paginator would read "0" as a page past the start (404) and "" as 1.
            raise Invalid(_("The page must be a positive whole number."), code="invalid_page")
        try:
            self.page = paginator.page(number)
        except PageNotAnInteger:
            raise Invalid(_("The page must be a positive whole number."), code="invalid_page") from None
        except EmptyPage:
            raise NotFound(_("There is no such page."), code="page_not_found") from None
        return list(self.page)

    def get_paginated_response(self, data):
        if self.cursor_page is None:
            return super().get_paginated_response(data)
        url = self.request.build_absolute_uri()

        def link(value: str | None) -> str | None:
            return None if value is None else replace_query_param(url, cursor.PARAM, value)

        return Response(
            {"next": link(self.cursor_page.next), "previous": link(self.cursor_page.previous), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        out = super().get_paginated_response_schema(schema)
        out["required"] = ["results"]
        out["properties"]["count"]["description"] = "Every row of the list; absent in cursor mode (`cursor=`)."
        for name in ("next", "previous"):
            out["properties"][name]["description"] = f"The {name} page (with its cursor in cursor mode), or null."
        return out

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": cursor.PARAM,
                "required": False,
                "in": "query",
                "description": "Cursor mode: `start` (or empty) for the first page, then the cursor in "
                "`next` or `previous`. The answer has no `count`; not with `page`.",
                "schema": {"type": "string"},
            },
        ]


def page_for(request, queryset, *, param: str = "page", per_page: int = 20, count=None):
    """A page for an HTML view: lenient, a bad or too large number shows the nearest page."""
    paginator = Paginator(queryset, per_page, count=count)
    return paginator.get_page(request.GET.get(param))


def paginated_response(request, queryset, serializer_class, *, view=None) -> Response:
    """One page of ``queryset`` serialised with ``serializer_class``, for an APIView's ``get``."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, context={"request": request}).data)
