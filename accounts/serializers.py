"""Shapes of the accounts API: one serializer in, one out.

Input serializers check types and sizes only; the rules (username format
and uniqueness, password strength, codes, limits) live in ``services``.

``PublicUserOut`` is the embedded ``user`` object every app uses:
``{"id", "username", "avatar"}``; give it users loaded with
``select_related("profile")``.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.i18n import supported_locales

from .avatars import AVATAR_SIZES, avatar_urls
from .models import (
    BIO_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    LINK_MAX_LENGTH,
    LINKS_MAX,
    PASSWORD_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    Profile,
    User,
)
from .services import USERNAME_MIN_LENGTH, USERNAME_RE

CODE_RE = r"^\d{6}$"
AVATAR_URLS_SCHEMA = {
    "type": "object",
    "description": "The avatar for a srcset: "
    + ", ".join(f"`{name}` {side}x{side}" for name, side in AVATAR_SIZES.items())
    + " (a PNG placeholder at each size without an upload; an uploaded avatar is one file, at every size).",
    "properties": {name: {"type": "string", "format": "uri"} for name in AVATAR_SIZES},
    "required": list(AVATAR_SIZES),
}


def avatar_url(profile: Profile | None) -> str | None:
    """Absolute URL of the avatar, built from SITE_URL (never the Host header), or None."""
    if profile is None or not profile.avatar:
        return None
    url = profile.avatar.url
    return settings.SITE_URL + url if url.startswith("/") else url


# --- Strict input fields: a number where a string belongs is a 400, not "123" -------------------


class _StrictString:
    default_error_messages = {"invalid": _("Not a valid string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(_StrictString, serializers.CharField):
    pass


class StrictEmailField(_StrictString, serializers.EmailField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", EMAIL_MAX_LENGTH)
        super().__init__(**kwargs)


class StrictRegexField(_StrictString, serializers.RegexField):
    pass


@extend_schema_field({"type": "string", "enum": supported_locales()})
class LocaleField(StrictCharField):
    """A language code; which ones are supported is decided by ``core.i18n.clean_locale``."""


# The shortest new password (the MinimumLengthValidator of AUTH_PASSWORD_VALIDATORS), for the schema.
PASSWORD_MIN_LENGTH = next(
    (
        v.get("OPTIONS", {}).get("min_length", 8)
        for v in settings.AUTH_PASSWORD_VALIDATORS
        if v["NAME"].endswith("MinimumLengthValidator")
    ),
    1,
)
NEW_PASSWORD = {"minLength": PASSWORD_MIN_LENGTH}


def password_field(**kwargs) -> StrictCharField:
    return StrictCharField(
        max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, style={"input_type": "password"}, **kwargs
    )


def code_field() -> StrictRegexField:
    return StrictRegexField(
        CODE_RE,
        error_messages={"invalid": _("Enter the 6-digit code from the e-mail.")},
        help_text="The 6-digit code from the e-mail.",
    )


# --- In ----------------------------------------------------------------------------------------------


class EmailValidateIn(serializers.Serializer):
    email = StrictEmailField()
    purpose = serializers.ChoiceField(choices=["signup", "change"], default="signup")


class SignUpIn(serializers.Serializer):
    schema_fields = {
        "password": NEW_PASSWORD,
        "username": {"minLength": USERNAME_MIN_LENGTH, "pattern": USERNAME_RE.pattern},
    }

    email = StrictEmailField()
    username = StrictCharField(max_length=USERNAME_MAX_LENGTH)
    password = password_field()
    code = code_field()


class TokenObtainIn(serializers.Serializer):
    email = StrictEmailField()
    password = password_field()


class RefreshIn(serializers.Serializer):
    refresh_token = StrictCharField(max_length=4000, trim_whitespace=True)


class PasswordRestoreIn(serializers.Serializer):
    email = StrictEmailField()


class PasswordRestoreConfirmIn(serializers.Serializer):
    schema_fields = {"new_password": NEW_PASSWORD}

    email = StrictEmailField()
    code = code_field()
    new_password = password_field()


class PasswordChangeIn(serializers.Serializer):
    schema_fields = {"new_password": NEW_PASSWORD}

    current_password = password_field()
    new_password = password_field()


class EmailChangeIn(serializers.Serializer):
    email = StrictEmailField()
    password = password_field()
    code = code_field()


class ProfileUpdateIn(serializers.Serializer):
    schema_fields = {"username": {"minLength": USERNAME_MIN_LENGTH, "pattern": USERNAME_RE.pattern}}

    username = StrictCharField(max_length=USERNAME_MAX_LENGTH, required=False)
    bio = StrictCharField(max_length=BIO_MAX_LENGTH, required=False, allow_blank=True, trim_whitespace=False)
    links = serializers.ListField(
        child=StrictCharField(max_length=LINK_MAX_LENGTH, allow_blank=True), max_length=LINKS_MAX, required=False
    )
    # Checked by the service (core.i18n.clean_locale, 400 ``locale_invalid``), like every chosen locale.
    locale = LocaleField(required=False)


class AvatarIn(serializers.Serializer):
    avatar = serializers.FileField(help_text="JPEG, PNG or WebP, at most 5 MB; cropped square and re-encoded.")


# --- Out ------------------------------------------------------------------------------------------------


# The component names these had as ``...Serializer``; set on each class, since a
# subclass would otherwise inherit its parent's.
@extend_schema_serializer(component_name="PublicUser")
class PublicUserOut(serializers.ModelSerializer):
    """The embedded public user: ``{"id", "username", "avatar", "avatar_urls"}``
    (the uploaded avatar's URL or null; PNG URLs a phone can always draw)."""

    username = serializers.CharField(source="profile.username", read_only=True)
    avatar = serializers.SerializerMethodField()
    avatar_urls = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "avatar", "avatar_urls"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True, "description": "The uploaded avatar."})
    def get_avatar(self, user: User) -> str | None:
        return avatar_url(user.profile)

    @extend_schema_field(AVATAR_URLS_SCHEMA)
    def get_avatar_urls(self, user: User) -> dict[str, str]:
        return avatar_urls(user.profile)


@extend_schema_serializer(component_name="PublicProfile")
class PublicProfileOut(PublicUserOut):
    """``GET /user/{id}``: what anyone may see. No e-mail, no PIN."""

    bio = serializers.CharField(source="profile.bio", read_only=True)
    links = serializers.ListField(source="profile.links", child=serializers.CharField(), read_only=True)

    class Meta(PublicUserOut.Meta):
        fields = ["id", "username", "avatar", "avatar_urls", "bio", "links", "joined_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="Me")
class MeOut(PublicProfileOut):
    """``GET /user/@me``: the owner's own view, with e-mail, PIN and locale."""

    class Meta(PublicProfileOut.Meta):
        fields = [
            "id",
            "uuid",
            "email",
            "pin",
            "locale",
            "username",
            "avatar",
            "avatar_urls",
            "bio",
            "links",
            "joined_at",
        ]
        read_only_fields = fields


class TokenPairOut(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    access_expires_at = serializers.IntegerField(help_text="UNIX seconds: the access token's own exp.")


class SignUpOut(TokenPairOut):
    user = MeOut()


class PasswordChangeOut(TokenPairOut):
    detail = serializers.CharField()


class DetailOut(serializers.Serializer):
    detail = serializers.CharField()


# --- The second factor (accounts.mfa) ------------------------------------------------------------------


class MfaRequiredOut(serializers.Serializer):
    """The token endpoint's 401 ``mfa_required``: the password was right, now the
    second factor (any other 401 is an ``Error``)."""

    detail = serializers.CharField()
    code = serializers.CharField(help_text="`mfa_required`.")
    ticket = serializers.CharField(help_text="Single use, for `POST /api/v1/auth/token/mfa`.")
    ticket_expires_at = serializers.IntegerField(help_text="UNIX seconds, 5 minutes after the password step.")


class TokenMfaIn(serializers.Serializer):
    ticket = StrictCharField(max_length=200)
    code = StrictCharField(
        max_length=32, help_text="The 6 digits of the authenticator app, or a recovery code (used up)."
    )
