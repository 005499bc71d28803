from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .serializers import ImportConfirmInSerializer, ImportInSerializer, ImportOutSerializer


class ImportCreate(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Import a history file: 202 with the job (dry_run: only the preview)",
        request={"multipart/form-data": ImportInSerializer},
        responses={202: ImportOutSerializer},
    )
    def post(self, request):
        incoming = ImportInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        job = services.import_upload(
            user=request.user, source=data["source"], upload=data["file"], mode=data["mode"], held=data["held"]
        )
        if not data["dry_run"]:
            services.import_confirm(user=request.user, job_id=job.pk)
        job = selectors.user_job(user=request.user, job_id=job.pk)
        return Response(selectors.job_payload(job), status=status.HTTP_202_ACCEPTED)


class ImportDetail(APIView):
    @extend_schema(summary="An import of yours: status, progress and counts", responses=ImportOutSerializer)
    def get(self, request, pk: int):
        job = selectors.user_job(user=request.user, job_id=pk)
        return Response(selectors.job_payload(job))


class ImportConfirm(APIView):
    @extend_schema(
        summary="Start a previewed (dry-run) import",
        request=ImportConfirmInSerializer,
        responses={202: ImportOutSerializer},
    )
    def post(self, request, pk: int):
        incoming = ImportConfirmInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        services.import_confirm(user=request.user, job_id=pk, held=incoming.validated_data.get("held"))
        job = selectors.user_job(user=request.user, job_id=pk)
        return Response(selectors.job_payload(job), status=status.HTTP_202_ACCEPTED)


class ImportReport(APIView):
    @extend_schema(
        summary="The per-row report of an import (CSV)",
        responses={(200, "text/csv"): OpenApiResponse(description="line,name,year,type,plan,reason,title_id,outcome")},
    )
    def get(self, request, pk: int):
        job = selectors.user_job(user=request.user, job_id=pk)
        return report_response(job)


def report_response(job) -> StreamingHttpResponse:
    response = StreamingHttpResponse(selectors.job_report_csv(job=job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="walks-import-{job.pk}-report.csv"'
    return response
