"""The staff API (/api/v1/staff...) and POST /auth/activate. Views parse,
call a service and answer; the rules live in staff.services."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import JWTAuthentication, ServiceTokenAuthentication, SessionAuthentication
from accounts.models import ServiceToken
from accounts.serializers import TokenPairOut
from accounts.services import token_pair_issue, user_record_sign_in
from core.api import ERROR, parse
from core.ratelimit import client_ip

from .filters import PositionFilter, StaffFilter
from .models import Position, Staff
from .permissions import StaffApiAccess
from .serializers import ActivateIn, PositionOut, StaffCodeSentOut, StaffCreateIn, StaffOut, StaffWithCodeOut
from .services import staff_activate, staff_create, staff_deactivate, staff_user_issue


class StaffApiView:
    # The bot's service token first: its "Bearer" makes an anonymous call a 401.
    authentication_classes = [ServiceTokenAuthentication, JWTAuthentication, SessionAuthentication]
    permission_classes = [StaffApiAccess]
    error_codes = {403: ["insufficient_scope"]}


class PositionList(StaffApiView, generics.ListAPIView):
    """Positions, by name. A short reference list: not paginated."""

    required_perms = {"GET": ["staff.view_position"]}
    serializer_class = PositionOut
    filterset_class = PositionFilter
    pagination_class = None
    queryset = Position.objects.order_by("name", "id")


class StaffListCreate(StaffApiView, generics.ListAPIView):
    error_codes = {403: ["insufficient_scope"], "post": {400: ["invalid_phone", "unknown_position", "required"]}}
    required_perms = {"GET": ["staff.view_staff"], "POST": ["staff.add_staff"]}
    serializer_class = StaffOut
    filterset_class = StaffFilter

    def get_queryset(self):
        return Staff.objects.with_related().order_by("-created_at", "-id")

    @extend_schema(
        request=StaffCreateIn,
        responses={
            201: StaffWithCodeOut,
            400: ERROR,
            401: ERROR,
            403: OpenApiResponse(description="`no_erp_access`, or not allowed"),
            409: OpenApiResponse(description="`staff_exists` or `email_taken`"),
        },
        description=(
            "Create a staff record. With `create_user: true` (needs a position with ERP access) the reply also "
            "carries `user`, `activation_code` and `activation_url`; the code is shown only here."
        ),
    )
    def post(self, request):
        data = parse(StaffCreateIn, request.data)
        token = request.auth if isinstance(request.auth, ServiceToken) else None
        staff, issued = staff_create(
            full_name=data["full_name"],
            email=data["email"],
            phone=data["phone"],
            position=data["position"],
            create_user=data["create_user"],
            created_by_user=None if token else request.user,
            created_by_token=token,
        )
        return _staff_response(staff, issued, status.HTTP_201_CREATED)


class StaffDetail(StaffApiView, generics.RetrieveAPIView):
    required_perms = {"GET": ["staff.view_staff"]}
    serializer_class = StaffOut

    def get_queryset(self):
        return Staff.objects.with_related()


class StaffUser(StaffApiView, APIView):
    required_perms = {"POST": ["staff.change_staff"]}

    @extend_schema(
        request=None,
        responses={
            201: StaffWithCodeOut,
            200: StaffWithCodeOut,
            202: StaffCodeSentOut,
            403: OpenApiResponse(description="`no_erp_access`, `privileged_account`, or not allowed"),
            404: ERROR,
            409: OpenApiResponse(description="`already_active` or `email_taken`"),
        },
        description=(
            "Create the staff member's user (201) or, for a user still waiting for activation or deactivated, "
            "issue a new activation code (200); an earlier code stops working. For an account that was activated "
            "before, the code is e-mailed to the employee and the reply (202) does not carry it. Accounts with "
            "rights (staff, superuser, groups, permissions) are refused with 403 `privileged_account`."
        ),
    )
    def post(self, request, pk: int):
        staff = get_object_or_404(Staff, pk=pk)
        staff, issued, created = staff_user_issue(staff=staff, by_user=_person(request))
        if issued.emailed:
            staff = Staff.objects.with_related().get(pk=staff.pk)
            return Response(StaffCodeSentOut(staff).data, status=status.HTTP_202_ACCEPTED)
        return _staff_response(staff, issued, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class StaffDeactivate(StaffApiView, APIView):
    required_perms = {"POST": ["staff.change_staff"]}

    @extend_schema(
        request=None,
        responses={
            200: StaffOut,
            403: OpenApiResponse(description="`privileged_account`, or not allowed"),
            404: ERROR,
            409: OpenApiResponse(description="`no_user`"),
        },
        description=(
            "Deactivate the staff member's user: sessions and refresh tokens end, pending codes die, and the "
            "employee is told by e-mail. Accounts with rights are refused with 403 `privileged_account`."
        ),
    )
    def post(self, request, pk: int):
        staff = staff_deactivate(staff=get_object_or_404(Staff, pk=pk), by_user=_person(request))
        return Response(StaffOut(Staff.objects.with_related().get(pk=staff.pk)).data)


class Activate(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    error_codes = {400: ["password_invalid"], 429: []}

    @extend_schema(
        request=ActivateIn,
        responses={
            200: TokenPairOut,
            400: OpenApiResponse(description="`code_malformed`, `invalid_code`, `password_invalid`"),
            403: OpenApiResponse(description="`no_erp_access`"),
            410: OpenApiResponse(description="`code_expired`, `code_used`, `code_replaced`"),
            429: ERROR,
        },
        description="Activate a staff user with the code from the bot and set the first password.",
    )
    def post(self, request):
        data = parse(ActivateIn, request.data)
        user = staff_activate(
            email=data["email"],
            activation_code=data["activation_code"],
            password=data["password"],
            ip=client_ip(request),
        )
        user_record_sign_in(user=user)
        return Response(token_pair_issue(user=user))


def _person(request):
    """The person calling, or None for a machine (the bot's service token)."""
    if isinstance(request.auth, ServiceToken) or not request.user.is_authenticated:
        return None
    return request.user


def _staff_response(staff: Staff, issued, status_code: int) -> Response:
    staff = Staff.objects.with_related().get(pk=staff.pk)
    if issued is None:
        return Response(StaffOut(staff).data, status=status_code)
    return Response(StaffWithCodeOut(staff, context={"issued": issued}).data, status=status_code)
