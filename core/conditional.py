"""What every API answer carries for a mobile client: an ``ETag`` on reads
(``304`` on ``If-None-Match``), ``Cache-Control: private, no-cache`` (the
answer depends on who asks: keep it, but ask again), the IETF draft's
``RateLimit-Policy``/``RateLimit`` headers where a limit was counted, and a
400 for a repeated query parameter (``?type=game&type=film``), which no
endpoint reads as a list.

The ETag is a hash of the rendered body: cheap next to rendering, and right
whether the answer came from a cache scope or not.
"""

from __future__ import annotations

from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.translation import gettext as _

from . import ratelimit
from .cache import request_memo
from .middleware import error_response, is_api


class ApiContractMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api(request):
            return self.get_response(request)
        repeated = sorted(k for k, v in request.GET.lists() if len(v) > 1)
        if repeated:
            detail = _("Give %(name)s once.") % {"name": repeated[0]}
            return error_response(request, status=400, code="repeated_parameter", detail=detail)
        # request_memo: the request's cache reads in one round trip (core.cache.prefetch).
        with ratelimit.recording() as counted, request_memo():
            response = self.get_response(request)
        if counted:
            response["RateLimit-Policy"] = ", ".join(f'"{c.name}";q={c.limit};w={c.window}' for c in counted)
            response["RateLimit"] = ", ".join(f'"{c.name}";r={c.remaining};t={c.reset}' for c in counted)
        if request.method in ("GET", "HEAD") and response.status_code == 200 and not response.streaming:
            response.headers.setdefault("Cache-Control", "private, no-cache")
            set_response_etag(response)
            return get_conditional_response(request, etag=response.headers.get("ETag"), response=response)
        return response
