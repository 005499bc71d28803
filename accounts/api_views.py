"""The accounts API (sign-up, tokens, restore, profile): parse, call a service, respond."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ERRORS, parse
from core.errors import NotAuthenticated
from core.ratelimit import client_ip

from . import mfa, services
from . import serializers as s
from .models import User
from .user_cache import cached_for_user


def _me(user: User) -> dict:
    return s.MeOut(User.objects.select_related("profile").get(pk=user.pk)).data


class AnonymousAPIView(APIView):
    """Endpoints for people who are not signed in. No authentication runs, so
    a stale ``Authorization`` header cannot turn a login into a 401."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


class EmailValidateView(APIView):
    permission_classes = [AllowAny]
    lazy_authentication = True  # read by core.schema: a bad token is a 401 only for purpose=change
    error_codes = {
        400: ["email_unchanged"],
        401: ["not_authenticated"],
        429: ["code_sent_recently"],
        503: ["email_unavailable"],
    }

    def perform_authentication(self, request):
        """Lazy: only ``purpose=change`` looks at the caller, so a stale token
        left in a client does not stop a sign-up code request."""

    @extend_schema(
        tags=["auth"],
        summary="E-mail a 6-digit code (sign-up, or e-mail change when signed in)",
        description=(
            "`purpose=signup` (default): the reply is the same whether or not the address has an account; "
            "a taken address is mailed a note instead of a code. `purpose=change` needs authentication and "
            "sends the code to the new address (a taken address is mailed a note, the reply is the same). "
            "At most one code per address every 10 s."
        ),
        request=s.EmailValidateIn,
        responses={202: s.DetailOut, **ERRORS},
    )
    def post(self, request):
        data = parse(s.EmailValidateIn, request.data)
        ip = client_ip(request)
        if data["purpose"] == "change":
            if not request.user.is_authenticated:
                raise NotAuthenticated(_("Sign in to change your e-mail address."), code="not_authenticated")
            services.email_change_request(user=request.user, email=data["email"], ip=ip)
        else:
            services.signup_code_send(email=data["email"], ip=ip, locale=translation.get_language())
        return Response(
            {"detail": _("Check your inbox: we sent a message with the next step to %(email)s.") % data},
            status=status.HTTP_202_ACCEPTED,
        )


class SignUpView(AnonymousAPIView):
    error_codes = {
        400: [
            "code_invalid",
            "code_expired",
            "code_attempts_exceeded",
            "username_invalid",
            "password_invalid",
            "locale_invalid",
        ],
        409: ["username_taken", "email_taken"],
        429: [],
    }

    @extend_schema(
        tags=["auth"],
        summary="Create an account with the e-mailed code",
        description="409 `username_taken` or `email_taken` (with a field error); 400 `code_invalid`.",
        request=s.SignUpIn,
        responses={201: s.SignUpOut, **ERRORS},
    )
    def post(self, request):
        data = parse(s.SignUpIn, request.data)
        user = services.user_sign_up(locale=translation.get_language(), **data)
        services.user_record_sign_in(user=user)
        return Response({"user": _me(user), **services.token_pair_issue(user=user)}, status=status.HTTP_201_CREATED)


class TokenObtainView(AnonymousAPIView):
    error_codes = {401: ["invalid_credentials"], 429: []}

    @extend_schema(
        tags=["auth"],
        summary="Sign in: a JWT pair",
        description=(
            "One 401 `invalid_credentials` for an unknown e-mail and a wrong password; 429 after repeated failures. "
            "For an account with two-factor authentication the right password gets 401 `mfa_required` with a "
            "`ticket` (single use, 5 minutes): send it with a code to `POST /api/v1/auth/token/mfa`. "
            "401, not 403: the caller is not authenticated yet, nothing is refused to an identity."
        ),
        request=s.TokenObtainIn,
        responses={
            200: s.TokenPairOut,
            401: OpenApiResponse(
                s.MfaRequiredOut, description="`mfa_required` (with a ticket) or `invalid_credentials`"
            ),
            400: ERRORS[400],
            429: ERRORS[429],
        },
    )
    def post(self, request):
        data = parse(s.TokenObtainIn, request.data)
        user = services.user_authenticate(email=data["email"], password=data["password"], ip=client_ip(request))
        if mfa.mfa_enabled(user):
            detail = _("Enter the code from your authenticator app.")
            ticket = mfa.mfa_ticket_issue(user=user)
            return Response({"detail": detail, "code": "mfa_required", **ticket}, status=status.HTTP_401_UNAUTHORIZED)
        services.user_record_sign_in(user=user)
        return Response(services.token_pair_issue(user=user))


class TokenMfaView(AnonymousAPIView):
    @extend_schema(
        tags=["auth"],
        summary="Sign in, second step: the ticket and a code give a JWT pair",
        description=(
            "The code is the 6 digits of the authenticator app or a recovery code (each works once). "
            "A wrong code is a 401 `mfa_code_invalid` and the ticket stays usable until it expires; "
            "an unknown, expired or used ticket is a 401 `mfa_ticket_invalid` (sign in again); "
            "429 after repeated wrong codes."
        ),
        request=s.TokenMfaIn,
        responses={200: s.TokenPairOut, **ERRORS},
    )
    def post(self, request):
        data = parse(s.TokenMfaIn, request.data)
        return Response(mfa.token_pair_issue_mfa(ticket=data["ticket"], code=data["code"], ip=client_ip(request)))


class TokenUpdateView(AnonymousAPIView):
    error_codes = {401: ["token_invalid"]}

    @extend_schema(
        tags=["auth"],
        summary="Rotate the refresh token",
        description="The old refresh token stops working; reusing it is a 401 `token_invalid`.",
        request=s.RefreshIn,
        responses={200: s.TokenPairOut, **ERRORS},
    )
    def post(self, request):
        data = parse(s.RefreshIn, request.data)
        return Response(services.token_pair_refresh(refresh=data["refresh_token"]))


class LogoutView(AnonymousAPIView):
    error_codes = {401: ["token_invalid"]}

    @extend_schema(
        tags=["auth"],
        summary="Sign out: revoke the refresh token",
        description="Holding the refresh token is the credential, so an expired access token does not stop a sign-out.",
        request=s.RefreshIn,
        responses={204: None, **ERRORS},
    )
    def post(self, request):
        data = parse(s.RefreshIn, request.data)
        services.token_refresh_revoke(refresh=data["refresh_token"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordRestoreView(AnonymousAPIView):
    error_codes = {429: ["code_sent_recently"], 503: ["email_unavailable"]}

    @extend_schema(
        tags=["auth"],
        summary="E-mail a password restore code",
        description="The same 202 whether or not the address has an account.",
        request=s.PasswordRestoreIn,
        responses={202: s.DetailOut, **ERRORS},
    )
    def post(self, request):
        data = parse(s.PasswordRestoreIn, request.data)
        services.password_restore_request(email=data["email"], ip=client_ip(request))
        return Response(
            {"detail": _("If an account uses %(email)s, a code to restore its password is on its way.") % data},
            status=status.HTTP_202_ACCEPTED,
        )


class PasswordRestoreConfirmView(AnonymousAPIView):
    error_codes = {400: ["code_invalid", "code_expired", "code_attempts_exceeded", "password_invalid"], 429: []}

    @extend_schema(
        tags=["auth"],
        summary="Set a new password with the restore code",
        description="All refresh tokens and browser sessions of the account stop working.",
        request=s.PasswordRestoreConfirmIn,
        responses={200: s.DetailOut, **ERRORS},
    )
    def post(self, request):
        data = parse(s.PasswordRestoreConfirmIn, request.data)
        services.password_restore_confirm(**data)
        return Response({"detail": _("Your password has been changed. Sign in with the new one.")})


class PasswordChangeView(APIView):
    error_codes = {400: ["password_incorrect", "password_invalid"], 429: []}

    @extend_schema(
        tags=["auth"],
        summary="Change the password",
        description=(
            "Revokes every refresh token and access token issued before, and the other browser sessions; "
            "the reply carries a fresh token pair for this client."
        ),
        request=s.PasswordChangeIn,
        responses={200: s.PasswordChangeOut, **ERRORS},
    )
    def post(self, request):
        data = parse(s.PasswordChangeIn, request.data)
        services.user_password_change(user=request.user, request=request, **data)
        return Response(
            {"detail": _("Your password has been changed."), **services.token_pair_issue(user=request.user)}
        )


class EmailChangeView(APIView):
    error_codes = {
        400: ["code_invalid", "code_expired", "code_attempts_exceeded", "password_incorrect"],
        409: ["email_taken"],
        429: [],
    }

    @extend_schema(
        tags=["auth"],
        summary="Change the e-mail address with the code sent to the new one",
        description="409 `email_taken` if the address got an account meanwhile.",
        request=s.EmailChangeIn,
        responses={200: s.MeOut, 409: OpenApiResponse(description="email_taken"), **ERRORS},
    )
    def post(self, request):
        data = parse(s.EmailChangeIn, request.data)
        user = services.user_email_change(user=request.user, **data)
        return Response(_me(user))


class MeView(APIView):
    error_codes = {
        "patch": {400: ["username_invalid", "links_invalid", "bio_too_long", "locale_invalid"], 409: ["username_taken"]}
    }

    @extend_schema(tags=["profile"], summary="My profile", responses={200: s.MeOut, **ERRORS})
    def get(self, request):
        # The user and profile as authentication loaded them (from the cache),
        # serialised once per version of them: the key is the caller's own.
        user = request.user
        return Response(cached_for_user(user.pk, "me", lambda: s.MeOut(user).data))

    @extend_schema(
        tags=["profile"],
        summary="Change username, bio, links or locale",
        request=s.ProfileUpdateIn,
        responses={200: s.MeOut, 409: OpenApiResponse(description="username_taken"), **ERRORS},
    )
    def patch(self, request):
        data = parse(s.ProfileUpdateIn, request.data)
        services.profile_update(user=request.user, **data)
        return Response(_me(request.user))

    # Deleting the account spans the apps above accounts: imports orchestrates it.
    from imports.api_views import AccountDelete as _AccountDelete

    delete = _AccountDelete.delete
    delete_reads_body = _AccountDelete.delete_reads_body
    error_codes = {**error_codes, "delete": _AccountDelete.error_codes}


class AvatarView(APIView):
    parser_classes = [MultiPartParser]
    error_codes = {"put": {400: ["required", "invalid_image", "image_too_large"], 413: ["file_too_large"]}}

    @extend_schema(
        tags=["profile"],
        summary="Upload an avatar",
        request={"multipart/form-data": s.AvatarIn},
        responses={200: s.MeOut, 413: OpenApiResponse(description="file_too_large"), **ERRORS},
    )
    def put(self, request):
        services.profile_avatar_set(user=request.user, upload=request.FILES.get("avatar"))
        return Response(_me(request.user))

    @extend_schema(tags=["profile"], summary="Remove the avatar", responses={204: None, **ERRORS})
    def delete(self, request):
        services.profile_avatar_remove(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PublicProfileView(APIView):
    permission_classes = [IsAuthenticated]
    error_codes = {404: ["not_found"]}

    @extend_schema(
        tags=["profile"],
        summary="Someone's public profile",
        responses={200: s.PublicProfileOut, 404: OpenApiResponse(description="not_found"), **ERRORS},
    )
    def get(self, request, pk: int):
        def profile() -> dict:
            user = get_object_or_404(User.objects.select_related("profile"), pk=pk, is_active=True)
            return s.PublicProfileOut(user).data

        return Response(cached_for_user(pk, "public-profile", profile))
