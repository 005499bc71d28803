"""Shapes of the staff API: one serializer in, one out."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import PASSWORD_MAX_LENGTH
from accounts.serializers import PublicUserSerializer

from .models import Position, Staff, StaffState
from .validators import normalize_full_name, normalize_phone, normalize_staff_email


class StrictBooleanField(serializers.BooleanField):
    """Only JSON ``true`` or ``false``: "yes", 1 or "false" as a string are
    refused rather than guessed at, because a wrong guess creates an account."""

    default_error_messages = {"invalid": _("Must be true or false (a JSON boolean).")}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class PositionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Position
        fields = ["id", "name", "has_erp_access"]


class CreatedBySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["user", "service_token"])
    name = serializers.CharField()


class StaffSerializer(serializers.ModelSerializer):
    position = PositionSerializer()
    user = PublicUserSerializer(allow_null=True)
    state = serializers.ChoiceField(choices=StaffState.choices, read_only=True)
    activation_expires_at = serializers.SerializerMethodField(
        help_text="When the outstanding activation code expires; null without one."
    )
    created_by = CreatedBySerializer(allow_null=True, read_only=True)

    class Meta:
        model = Staff
        fields = [
            "id",
            "full_name",
            "email",
            "phone",
            "position",
            "user",
            "state",
            "activation_expires_at",
            "created_at",
            "created_by",
        ]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_activation_expires_at(self, staff):
        value = getattr(staff, "activation_expires_at", None)
        return serializers.DateTimeField().to_representation(value) if value else None


class StaffWithCodeSerializer(StaffSerializer):
    """The staff record plus the new code: the only reply that carries one.
    Render with ``context={"issued": IssuedCode}``."""

    activation_code = serializers.SerializerMethodField(
        help_text="Shown once; give it to the employee. Ten symbols shown as ABCD-EFGH-JK."
    )
    activation_url = serializers.SerializerMethodField(help_text="The page where the employee enters the code.")

    class Meta(StaffSerializer.Meta):
        fields = [*StaffSerializer.Meta.fields, "activation_code", "activation_url"]

    def get_activation_code(self, staff) -> str:
        return self.context["issued"].code

    def get_activation_url(self, staff) -> str:
        return activation_url()


class StaffCreateSerializer(serializers.Serializer):
    full_name = serializers.CharField(max_length=500, trim_whitespace=True)
    email = serializers.CharField(max_length=500)
    phone = serializers.CharField(max_length=100)
    position = serializers.IntegerField(help_text="A position id from GET /api/v1/positions.")
    create_user = StrictBooleanField(
        required=False, default=False, help_text="Also create the user and return an activation code."
    )

    # The same rules the service applies, here too so that every bad field
    # is reported in one reply.
    def validate_full_name(self, value: str) -> str:
        return normalize_full_name(value)

    def validate_email(self, value: str) -> str:
        return normalize_staff_email(value)

    def validate_phone(self, value: str) -> str:
        return normalize_phone(value)


class ActivateSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=500)
    activation_code = serializers.CharField(
        max_length=64, help_text="As received, e.g. ABCD-EFGH-JK; spaces, dashes and lower case are fine."
    )
    password = serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    access_expires_at = serializers.IntegerField(help_text="UNIX seconds; the access token's own exp.")


def activation_url() -> str:
    return f"{settings.SITE_URL}/activate/"
