from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .serializers import ImportConfirmIn, ImportIn, ImportOut


class ImportCreate(APIView):
    parser_classes = [MultiPartParser]
    error_codes = {
        400: [
            "invalid_source",
            "invalid_mode",
            "invalid_held",
            "file_required",
            "file_empty",
            "file_no_rows",
            "too_many_rows",
        ],
        409: ["import_running"],
        413: ["file_too_large"],
        415: ["unsupported_file"],
        429: [],
    }

    @extend_schema(
        summary="Import a history file: 202 with the job (dry_run: only the preview)",
        request={"multipart/form-data": ImportIn},
        responses={202: ImportOut},
    )
    def post(self, request):
        incoming = ImportIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        job = services.import_upload(
            user=request.user, source=data["source"], upload=data.get("file"), mode=data["mode"], held=data["held"]
        )
        if not data["dry_run"]:
            services.import_confirm(user=request.user, job_id=job.pk)
        job = selectors.user_job(user=request.user, job_id=job.pk)
        return Response(selectors.job_payload(job), status=status.HTTP_202_ACCEPTED)


class ImportDetail(APIView):
    error_codes = {404: ["import_not_found"]}

    @extend_schema(summary="An import of yours: status, progress and counts", responses=ImportOut)
    def get(self, request, pk: int):
        job = selectors.user_job(user=request.user, job_id=pk)
        return Response(selectors.job_payload(job))


class ImportConfirm(APIView):
    error_codes = {404: ["import_not_found"], 409: ["import_started", "import_running"]}

    @extend_schema(
        summary="Start a previewed (dry-run) import",
        request=ImportConfirmIn,
        responses={202: ImportOut},
    )
    def post(self, request, pk: int):
        incoming = ImportConfirmIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.import_confirm(user=request.user, job_id=pk, held=incoming.validated_data.get("held"))
        job = selectors.user_job(user=request.user, job_id=pk)
        return Response(selectors.job_payload(job), status=status.HTTP_202_ACCEPTED)


class ImportReport(APIView):
    error_codes = {404: ["import_not_found"]}

    @extend_schema(
        summary="The per-row report of an import (CSV)",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="line,name,year,type,plan,reason,title_id,outcome"
            )
        },
    )
    def get(self, request, pk: int):
        job = selectors.user_job(user=request.user, job_id=pk)
        return report_response(job)


def report_response(job) -> StreamingHttpResponse:
    response = StreamingHttpResponse(selectors.job_report_csv(job=job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="walks-import-{job.pk}-report.csv"'
    return response


def export_response(*, user, fmt: str) -> StreamingHttpResponse:
    """The person's data in ``fmt`` (json, zip or letterboxd), streamed."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from core.errors import Invalid

    from .exports import EXPORTS

    if fmt not in EXPORTS:
        message = _("Choose a format: %(f)s.") % {"f": ", ".join(EXPORTS)}
        raise Invalid(message, code="invalid_format", errors={"format": [message]})
    services.exports_per_user().check(str(user.pk))
    produce, content_type, ext = EXPORTS[fmt]
    response = StreamingHttpResponse(produce(user=user), content_type=content_type)
    stem = "walks-letterboxd" if fmt == "letterboxd" else "walks-export"
    response["Content-Disposition"] = f'attachment; filename="{stem}-{timezone.now():%Y-%m-%d}.{ext}"'
    response["Cache-Control"] = "no-store"
    return response


class _FormatIsOurs(DefaultContentNegotiation):
    """``?format=`` names the export's format here, not a DRF renderer."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class Export(APIView):
    content_negotiation_class = _FormatIsOurs
    error_codes = {400: ["invalid_format"], 429: []}

    @extend_schema(
        summary="Everything you have, as JSON, a ZIP of CSVs, or a Letterboxd-importable CSV of your films",
        parameters=[OpenApiParameter("format", str, enum=["json", "zip", "letterboxd"])],
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="The Walks export (importable as source walks)"
            ),
            (200, "application/zip"): OpenApiResponse(
                OpenApiTypes.BINARY, description="profile, walks, reviews, watchlist as CSV"
            ),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="format=letterboxd: the films"),
        },
    )
    def get(self, request):
        # Absent is JSON; anything else (an empty value too) must be a format.
        return export_response(user=request.user, fmt=request.query_params.get("format", "json"))


class AccountDeleteIn(serializers.Serializer):
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, max_length=256)
    code = serializers.CharField(required=False, allow_blank=True, max_length=16)


class AccountDelete(APIView):
    delete_reads_body = True  # core.schema: the body is declared although the method is DELETE
    error_codes = {
        400: ["password_required", "password_incorrect", "code_invalid", "code_expired", "code_attempts_exceeded"],
        429: [],
    }

    @extend_schema(
        summary="Delete your account and all your data, confirmed by your password (or the e-mailed code)",
        request=AccountDeleteIn,
        responses={204: None},
    )
    def delete(self, request):
        incoming = AccountDeleteIn(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.account_delete(user=request.user, **incoming.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountDeleteCode(APIView):
    error_codes = {429: ["code_sent_recently"], 503: ["email_unavailable"]}

    @extend_schema(
        summary="E-mail a code that confirms deleting an account without a usable password",
        request=None,
        responses={202: None},
    )
    def post(self, request):
        from accounts.services import account_delete_code_send
        from core.ratelimit import client_ip

        account_delete_code_send(user=request.user, ip=client_ip(request))
        return Response(status=status.HTTP_202_ACCEPTED)
