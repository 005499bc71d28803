from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .errors import ServiceError

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# JSON bodies are small; only multipart uploads may approach the file limit.
MAX_JSON_BODY = 1024 * 1024


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def error_response(request, *, status: int, code: str, detail: str, without_database: bool = False) -> HttpResponse:
    if is_api(request):
        return JsonResponse({"detail": detail, "code": code}, status=status)
    context = {"status": status, "detail": detail}
    if without_database:
        # The layout shows the signed-in person, whom the session reads from
        # the database; when the database is what failed, render the
        # anonymous layout instead of failing a second time.
        context.update(user=AnonymousUser(), messages=())
    html = render_to_string("error.html", context, request=request)
    return HttpResponse(html, status=status)


class ServiceErrorPageMiddleware:
    """A :class:`~core.errors.ServiceError` that escapes a page view becomes
    the error page with its status and message, as the API's exception
    handler turns it into ``{"detail", "code"}``: views call services and
    let a refusal propagate instead of rendering the error themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ServiceError) and not is_api(request):
            response = error_response(
                request, status=exception.status, code=exception.code, detail=str(exception.detail)
            )
            for name, value in exception.headers.items():
                response[name] = value
            return response
        return None


def _upload_too_large_redirect(request) -> HttpResponse:
    """A page's upload over the limit, refused unread: back (303) to the page
    the form was on, which shows the error on the form itself, with the
    session (not yet loaded here) and so the signed-in header intact."""
    from urllib.parse import urlsplit

    from django.http import HttpResponseRedirect
    from django.utils.http import url_has_allowed_host_and_scheme

    from .forms import UPLOAD_TOO_LARGE

    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = request.path
    parts = urlsplit(back)
    query = "&".join(q for q in (parts.query, f"{UPLOAD_TOO_LARGE}=1") if q)
    response = HttpResponseRedirect(f"{parts.path}?{query}")
    response.status_code = 303
    return response


def database_unavailable(request) -> HttpResponse:
    response = error_response(
        request,
        status=503,
        code="service_unavailable",
        detail=_("The service is temporarily unavailable. Try again in a minute."),
        without_database=True,
    )
    response["Retry-After"] = "5"
    return response


class ApiRequestMiddleware:
    """Request hygiene before any view runs.

    - ``/api/v1/staff/`` and ``/api/v1/staff`` are the same endpoint: the
      trailing slash is dropped from API paths, so each has one canonical URL.
    - A body larger than the limit gets 413 without being read.
    - A database that is down answers 503, not 500 (``process_exception``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_api(request) and len(request.path_info) > len(API_PREFIX) and request.path_info.endswith("/"):
            request.path_info = request.path_info.rstrip("/")
        too_large = self._too_large(request)
        if too_large:
            return too_large
        return self.get_response(request)

    def _too_large(self, request) -> HttpResponse | None:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return error_response(request, status=400, code="bad_content_length", detail=_("Invalid Content-Length."))
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if multipart else MAX_JSON_BODY
        if multipart:
            # A few doors take larger files (imported histories); they cap them again themselves.
            limit = getattr(settings, "LARGE_UPLOAD_PATHS", {}).get(request.path_info, limit)
        if length > limit and multipart and not is_api(request):
            return _upload_too_large_redirect(request)
        if length > limit:
            return error_response(
                request,
                status=413,
                code="payload_too_large",
                detail=_("The request is too large (at most %(mb)d MB).") % {"mb": max(1, limit // (1024 * 1024))},
            )
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            logger.error("database unavailable: %s", exception)
            return database_unavailable(request)
        return None
