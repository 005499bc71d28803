"""Pagination for every list, API and pages alike.

Compared with DRF's default: ``page=abc`` is a 400 (``invalid_page``), a
page past the end a 404 (``page_not_found``), both in the project's
``{"detail", "code"}`` shape; and a view may supply the total itself (the
catalogue caches the size of a type rather than counting it every time).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.core.paginator import Paginator as DjangoPaginator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.response import Response

from .errors import Invalid, NotFound


class Paginator(DjangoPaginator):
    def __init__(self, object_list, per_page, *, count: Callable[[], int] | None = None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @cached_property
    def count(self) -> int:
        if self._count is not None:
            return self._count()
        return self.object_list.count() if hasattr(self.object_list, "count") else len(self.object_list)


class PageNumberPagination(pagination.PageNumberPagination):
    """``{count, next, previous, results}``; ``page_size`` up to 100."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        count = getattr(view, "count_hint", None)
        paginator = Paginator(queryset, page_size, count=(lambda: count(queryset)) if count else None)
        number = request.query_params.get(self.page_query_param) or 1
        if number == "last":
            number = paginator.num_pages
        try:
            self.page = paginator.page(number)
        except PageNotAnInteger:
            raise Invalid(_("The page must be a positive whole number."), code="invalid_page") from None
        except EmptyPage:
            raise NotFound(_("There is no such page."), code="page_not_found") from None
        return list(self.page)


def page_for(request, queryset, *, param: str = "page", per_page: int = 20, count=None):
    """A page for an HTML view: lenient, a bad or too large number shows the nearest page."""
    paginator = Paginator(queryset, per_page, count=count)
    return paginator.get_page(request.GET.get(param))


def paginated_response(request, queryset, serializer_class, *, view=None) -> Response:
    """One page of ``queryset`` serialised with ``serializer_class``, for an APIView's ``get``."""
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, context={"request": request}).data)
