"""One error type for the domain, turned into a message or a JSON reply.

Services raise :class:`ServiceError` (or a subclass) with a stable ``code``;
the API exception handler turns it, and every DRF or Django error, into
``{"detail": "...", "code": "..."}`` with a proper status, plus ``errors``
(per field) for validation failures. HTML views catch the same exception and
show ``detail`` to the person.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ServiceError(Exception):
    status = 400
    code = "invalid"
    default_detail = _("The request could not be completed.")

    def __init__(
        self,
        detail: Any = None,
        *,
        code: str | None = None,
        status: int | None = None,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.detail = detail if detail is not None else self.default_detail
        self.extra = extra or {}
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.errors = errors
        self.headers = headers or {}
        super().__init__(str(self.detail))

    def as_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {"detail": str(self.detail), "code": self.code}
        if self.errors:
            payload["errors"] = {k: [str(m) for m in v] for k, v in self.errors.items()}
        payload.update(self.extra)  # e.g. ``tries_left`` (declared in the Error component)
        return payload


class Invalid(ServiceError):
    status = 400
    code = "invalid"
    default_detail = _("Invalid input.")


class NotAuthenticated(ServiceError):
    status = 401
    code = "not_authenticated"
    default_detail = _("Authentication credentials were not provided or are wrong.")


class Forbidden(ServiceError):
    status = 403
    code = "permission_denied"
    default_detail = _("You do not have permission to do this.")


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    default_detail = _("Not found.")


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    default_detail = _("This conflicts with the current state.")


class Gone(ServiceError):
    status = 410
    code = "gone"
    default_detail = _("This link or code is no longer valid.")


class PayloadTooLarge(ServiceError):
    status = 413
    code = "payload_too_large"
    default_detail = _("The request body is too large.")


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"
    default_detail = _("Too many attempts. Try again later.")

    def __init__(self, detail: Any = None, *, retry_after: int | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after
        if retry_after:
            self.headers["Retry-After"] = str(int(retry_after))


class Unavailable(ServiceError):
    status = 503
    code = "service_unavailable"
    default_detail = _("The service is temporarily unavailable. Try again in a minute.")


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _flatten(v)]
    if isinstance(detail, list):
        return [m for v in detail for m in _flatten(v)]
    return [str(detail)]


def _field_errors(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {
            key: (_field_errors(value) if isinstance(value, dict) else _flatten(value)) for key, value in detail.items()
        }
    return {"non_field_errors": _flatten(detail)}


def validation_payload(detail: Any) -> dict[str, Any]:
    """A DRF ValidationError's detail as ``{"detail", "code", "errors"}``.

    ``detail`` names the first problem so that a client showing one line
    shows something useful; ``errors`` has every message by field.
    """
    errors = _field_errors(detail)
    field, messages = next(iter(errors.items()), ("non_field_errors", [str(_("Invalid input."))]))
    first = _flatten(messages)[0] if messages else str(_("Invalid input."))
    summary = first if field == "non_field_errors" else f"{field}: {first}"
    return {"detail": summary, "code": "invalid", "errors": errors}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response(exc.as_payload(), status=exc.status, headers=exc.headers)
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf.ValidationError):
        response.data = validation_payload(exc.detail)
        return response
    if isinstance(exc, drf.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        detail = exc.detail if isinstance(exc.detail, str) else " ".join(_flatten(exc.detail))
        if isinstance(exc.detail, dict) and "detail" in exc.detail:
            # simplejwt puts its own {"detail", "code", "messages"} here.
            detail = str(exc.detail["detail"])
            code = str(exc.detail.get("code", code))
        response.data = {"detail": str(detail), "code": code}
    return response
