"""Shapes of the staff API: one serializer in, one out."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.models import PASSWORD_MAX_LENGTH
from accounts.serializers import PASSWORD_MIN_LENGTH, PublicUserOut
from core.api import StrictBooleanField

from .codes import CODE_PATTERN
from .models import Position, Staff, StaffState
from .services import activation_url
from .validators import PHONE_PATTERN, normalize_full_name, normalize_phone, normalize_staff_email, phone_given


# The component names these had as ``...Serializer``; set on each class, since a
# subclass would otherwise inherit its parent's.
@extend_schema_serializer(component_name="Position")
class PositionOut(serializers.ModelSerializer):
    class Meta:
        model = Position
        fields = ["id", "name", "has_erp_access"]


@extend_schema_serializer(component_name="CreatedBy")
class CreatedByOut(serializers.Serializer):
    type = serializers.ChoiceField(choices=["user", "service_token"])
    name = serializers.CharField()


@extend_schema_serializer(component_name="StaffUser")
class StaffUserOut(PublicUserOut):
    """The employee's account as the bot sees it: no images (``avatar_urls`` are for people's apps)."""

    class Meta(PublicUserOut.Meta):
        fields = ["id", "username", "avatar"]
        read_only_fields = fields


@extend_schema_serializer(component_name="Staff")
class StaffOut(serializers.ModelSerializer):
    position = PositionOut()
    user = StaffUserOut(allow_null=True)
    state = serializers.ChoiceField(choices=StaffState.choices, read_only=True)
    activation_expires_at = serializers.SerializerMethodField(
        help_text="When the outstanding activation code expires; null without one."
    )
    created_by = CreatedByOut(allow_null=True, read_only=True)

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


@extend_schema_serializer(component_name="StaffWithCode")
class StaffWithCodeOut(StaffOut):
    """The staff record plus the new code: the only reply that carries one.
    Render with ``context={"issued": IssuedCode}``; without one (``POST /staff``
    with no ``create_user``) the reply is the plain record, without the two."""

    schema_optional = ("activation_code", "activation_url")

    activation_code = serializers.SerializerMethodField(
        help_text="Shown once; give it to the employee. Ten symbols shown as ABCD-EFGH-JK."
    )
    activation_url = serializers.SerializerMethodField(help_text="The page where the employee enters the code.")

    class Meta(StaffOut.Meta):
        fields = [*StaffOut.Meta.fields, "activation_code", "activation_url"]

    def get_activation_code(self, staff) -> str:
        return self.context["issued"].code

    def get_activation_url(self, staff) -> str:
        return activation_url()


@extend_schema_serializer(component_name="StaffCodeSent")
class StaffCodeSentOut(StaffOut):
    """The staff record after a code was e-mailed to the employee (an account
    that was activated before): the caller never sees that code."""

    activation_code_sent_to = serializers.SerializerMethodField(help_text="Always `email`: the account's address.")

    class Meta(StaffOut.Meta):
        fields = [*StaffOut.Meta.fields, "activation_code_sent_to"]

    def get_activation_code_sent_to(self, staff) -> str:
        return "email"


@extend_schema_serializer(component_name="StaffCreate")
class StaffCreateIn(serializers.Serializer):
    schema_fields = {"email": {"format": "email"}, "position": {"minimum": 1}, "phone": {"pattern": PHONE_PATTERN}}
    full_name = serializers.CharField(max_length=500, trim_whitespace=True)
    email = serializers.CharField(max_length=500)
    phone = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
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
        return normalize_phone(value) if phone_given(value) else ""


@extend_schema_serializer(component_name="Activate")
class ActivateIn(serializers.Serializer):
    schema_fields = {"activation_code": {"pattern": CODE_PATTERN}, "password": {"minLength": PASSWORD_MIN_LENGTH}}

    email = serializers.CharField(max_length=500)
    activation_code = serializers.CharField(
        max_length=64, help_text="As received, e.g. ABCD-EFGH-JK; spaces, dashes and lower case are fine."
    )
    password = serializers.CharField(
        max_length=PASSWORD_MAX_LENGTH, trim_whitespace=False, style={"input_type": "password"}
    )
