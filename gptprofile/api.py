"""The JSON door: ChatGPT's init call, and load/save for the holder of a link."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import HasServiceScope, ServiceTokenAuthentication
from accounts.models import EMAIL_MAX_LENGTH, PIN_MAX, PIN_MIN
from core import ratelimit
from core.ratelimit import client_ip

from . import services
from .openapi import chatgpt_action_document

# --- Serializers: shape only; the services decide the rest ---------------------------------------


class StrictIntegerField(serializers.IntegerField):
    """An integer that is a JSON number, not a string of digits or a boolean:
    ChatGPT sending ``"123456"`` is told so instead of being guessed at."""

    default_error_messages = {"not_integer": gettext_lazy("Send the PIN as a JSON integer, e.g. 123456.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("not_integer")
        return super().to_internal_value(data)


class InitIn(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True, max_length=EMAIL_MAX_LENGTH)
    pin = StrictIntegerField(
        required=False,
        allow_null=True,
        min_value=PIN_MIN,
        max_value=PIN_MAX,
        error_messages={
            "min_value": gettext_lazy("A PIN has 6 digits (100000 to 999999)."),
            "max_value": gettext_lazy("A PIN has 6 digits (100000 to 999999)."),
        },
    )


class InitOut(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()
    expires_in_minutes = serializers.IntegerField()


class TokenIn(serializers.Serializer):
    # Any length is accepted here so that the service answers 410 token_invalid
    # for every token that is not ours, long or empty.
    token = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)


class SaveIn(TokenIn):
    locale = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    passphrase = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    passphrase_confirm = serializers.CharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)


class LocaleOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class LoadOut(serializers.Serializer):
    email = serializers.CharField(help_text="Masked, e.g. j***@e***.com")
    username = serializers.CharField()
    locale = serializers.CharField()
    locales = LocaleOut(many=True)
    expires_at = serializers.DateTimeField()


class SaveOut(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()
    locale = serializers.CharField()
    passphrase_changed = serializers.BooleanField()


ERROR = inline_serializer("GptError", {"detail": serializers.CharField(), "code": serializers.CharField()})


# --- Views --------------------------------------------------------------------------------------------


class ProfileEditInitView(APIView):
    """ChatGPT's only call: a service token with the ``gpt`` scope, nothing else."""

    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [HasServiceScope("gpt")]

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
            400: ERROR,
            401: ERROR,
            403: ERROR,
            404: OpenApiResponse(ERROR, description="user_not_found"),
            429: ERROR,
        },
    )
    def post(self, request):
        data = InitIn(data=request.data)
        data.is_valid(raise_exception=True)
        sent = services.profile_edit_init(
            email=data.validated_data.get("email") or None,
            pin=data.validated_data.get("pin"),
            service_token=request.auth,
        )
        message = ngettext(
            "Done: an e-mail with a link to edit the profile was sent to the address of this account. "
            "Tell the user to open it within %(minutes)d minute; the link works once and lets them change "
            "their language and passphrase. If it does not arrive, they should check the spam folder.",
            "Done: an e-mail with a link to edit the profile was sent to the address of this account. "
            "Tell the user to open it within %(minutes)d minutes; the link works once and lets them change "
            "their language and passphrase. If it does not arrive, they should check the spam folder.",
            sent.expires_in_minutes,
        ) % {"minutes": sent.expires_in_minutes}
        return Response(
            InitOut({"status": "sent", "message": message, "expires_in_minutes": sent.expires_in_minutes}).data
        )


class _TokenView(APIView):
    """The token in the body is the credential: no session, no CSRF, no JWT."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        ratelimit.check("gpt-edit-ip", client_ip(request))


class ProfileEditLoadView(_TokenView):
    @extend_schema(
        tags=["ChatGPT"],
        operation_id="gpt_profile_load",
        summary="Read the profile behind an edit link (does not use the link up)",
        request=TokenIn,
        responses={200: LoadOut, 400: ERROR, 410: OpenApiResponse(ERROR, description="token_invalid"), 429: ERROR},
    )
    def post(self, request):
        data = TokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(LoadOut(services.profile_edit_load(token=data.validated_data.get("token"))).data)


class ProfileEditSaveView(_TokenView):
    @extend_schema(
        tags=["ChatGPT"],
        operation_id="gpt_profile_save",
        summary="Save the language and/or passphrase and retire the edit link",
        description=(
            "Give `locale`, `passphrase` or both. `passphrase` is the new account password and must pass "
            "the password rules; `passphrase_confirm` is optional and, when sent, must match it."
        ),
        request=SaveIn,
        responses={200: SaveOut, 400: ERROR, 410: OpenApiResponse(ERROR, description="token_invalid"), 429: ERROR},
    )
    def post(self, request):
        data = SaveIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
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
