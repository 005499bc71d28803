"""The JSON door: ChatGPT's init call, and load/save for the holder of a link."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import HasServiceScope, ServiceTokenAuthentication
from core import ratelimit
from core.api import ErrorOut, parse
from core.ratelimit import client_ip

from . import services
from .openapi import chatgpt_action_document
from .serializers import InitIn, InitOut, LoadOut, SaveIn, SaveOut, TokenIn


class ProfileEditInitView(APIView):
    """ChatGPT's only call: a service token with the ``gpt`` scope, nothing else."""

    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [HasServiceScope("gpt")]
    error_codes = {400: ["identifier_required"], 403: ["insufficient_scope"], 503: ["email_unavailable"]}

    def permission_denied(self, request, message=None, code=None):
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated(
                _("Send the action's service token as 'Authorization: Bearer wlk_...'."), code="not_authenticated"
            )
        raise exceptions.PermissionDenied(
            _("This service token may not use the ChatGPT action: it needs the 'gpt' scope."),
            code="insufficient_scope",
        )

    @extend_schema(
        tags=["ChatGPT"],
        operation_id="gpt_profile_init",
        summary="E-mail a single-use profile-edit link (ChatGPT action)",
        request=InitIn,
        responses={
            200: InitOut,
            400: ErrorOut,
            401: ErrorOut,
            403: ErrorOut,
            404: OpenApiResponse(ErrorOut, description="user_not_found"),
            429: ErrorOut,
        },
    )
    def post(self, request):
        data = parse(InitIn, request.data)
        sent = services.profile_edit_init(
            email=data.get("email") or None,
            pin=data.get("pin"),
            service_token=request.auth,
            caller=_chatgpt_caller(request),
        )
        message = ngettext(
            "Done: an e-mail with a link to edit the profile was sent to the address of this account. "
            "Tell the user to open it within %(minutes)d minute; the link works once and lets them change "
            "their language and password. If it does not arrive, they should check the spam folder.",
            "Done: an e-mail with a link to edit the profile was sent to the address of this account. "
            "Tell the user to open it within %(minutes)d minutes; the link works once and lets them change "
            "their language and password. If it does not arrive, they should check the spam folder.",
            sent.expires_in_minutes,
        ) % {"minutes": sent.expires_in_minutes}
        return Response(
            InitOut({"status": "sent", "message": message, "expires_in_minutes": sent.expires_in_minutes}).data
        )


def _chatgpt_caller(request) -> str | None:
    """Who is asking, as ChatGPT names them in an action call: the user (stable
    per user and GPT), else the conversation. None when the caller sends neither."""
    return request.META.get("HTTP_OPENAI_EPHEMERAL_USER_ID") or request.META.get("HTTP_OPENAI_CONVERSATION_ID") or None


class _TokenView(APIView):
    """The token in the body is the credential: no session, no CSRF, no JWT."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    error_codes = {400: ["nothing_to_change", "password_invalid", "locale_invalid"], 429: []}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        ratelimit.check("gpt-edit-ip", client_ip(request))


class ProfileEditLoadView(_TokenView):
    @extend_schema(
        tags=["ChatGPT"],
        operation_id="gpt_profile_load",
        summary="Read the profile behind an edit link (does not use the link up)",
        request=TokenIn,
        responses={
            200: LoadOut,
            400: ErrorOut,
            410: OpenApiResponse(ErrorOut, description="token_invalid"),
            429: ErrorOut,
        },
    )
    def post(self, request):
        data = parse(TokenIn, request.data)
        return Response(LoadOut(services.profile_edit_load(token=data.get("token"))).data)


class ProfileEditSaveView(_TokenView):
    @extend_schema(
        tags=["ChatGPT"],
        operation_id="gpt_profile_save",
        summary="Save the language and/or password and retire the edit link",
        description=(
            "Give `locale`, `passphrase` or both. `passphrase` is the new account password and must pass "
            "the password rules; `passphrase_confirm` is optional and, when sent, must match it."
        ),
        request=SaveIn,
        responses={
            200: SaveOut,
            400: ErrorOut,
            410: OpenApiResponse(ErrorOut, description="token_invalid"),
            429: ErrorOut,
        },
    )
    def post(self, request):
        values = parse(SaveIn, request.data)
        result = services.profile_edit_save(
            token=values.get("token"),
            locale=values.get("locale"),
            passphrase=values.get("passphrase"),
            passphrase_confirm=values.get("passphrase_confirm"),
        )
        return Response(
            SaveOut(
                {
                    "status": "saved",
                    "message": _("Your profile is saved."),
                    "locale": result.user.locale,
                    "passphrase_changed": result.passphrase_changed,
                }
            ).data
        )


@extend_schema(exclude=True)
class ChatGptActionSchemaView(APIView):
    """The document an owner pastes (or imports by URL) into the GPT editor."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        # A plain JsonResponse: the document is exactly what is built, with
        # no DRF envelope or renderer negotiation in the way.
        return JsonResponse(chatgpt_action_document(), json_dumps_params={"indent": 2, "ensure_ascii": False})
