"""Shapes of the linking API: inputs checked here, writes done by services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import EMAIL_MAX_LENGTH, User
from accounts.serializers import TokenPairOut
from core.schema import VISIBLE_TEXT

from .models import LinkSecret

SECRET_MAX_LENGTH = 128


class OfferCreateIn(serializers.Serializer):
    email = serializers.EmailField(
        max_length=EMAIL_MAX_LENGTH, help_text="E-mail of the account whose group you want to join (B)."
    )


class SecretIn(serializers.Serializer):
    """B answers an offer by its secret (from the link) or by its id (from B's own list)."""

    schema_extra = {
        "anyOf": [
            {"required": ["secret"], "properties": {"secret": {"type": "string", "pattern": VISIBLE_TEXT}}},
            {"required": ["id"]},
        ]
    }

    secret = serializers.CharField(max_length=SECRET_MAX_LENGTH, required=False, trim_whitespace=True)
    id = serializers.IntegerField(min_value=1, required=False, help_text="Id of an offer in your incoming list.")

    def validate(self, attrs):
        if not attrs.get("secret") and not attrs.get("id"):
            raise serializers.ValidationError({"secret": [_("Give the link's secret.")]})
        return attrs


class SecretQueryIn(serializers.Serializer):
    secret = serializers.CharField(max_length=SECRET_MAX_LENGTH, trim_whitespace=True)


class AccountOut(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    username = serializers.CharField(source="profile.username")
    avatar = serializers.SerializerMethodField()

    def get_avatar(self, user: User) -> str | None:
        avatar = user.profile.avatar
        return avatar.url if avatar else None


class AddressOut(serializers.Serializer):
    """The other side of an offer you made: only the address you gave. Whether
    an account has it is not said (``id``, ``username`` and ``avatar`` are
    always null), so the list is no oracle for registered addresses."""

    id = serializers.IntegerField(allow_null=True)
    email = serializers.EmailField()
    username = serializers.CharField(allow_null=True)
    avatar = serializers.CharField(allow_null=True)


class OfferOut(serializers.Serializer):
    """An open offer in a list: ``account`` is the other side (A for incoming;
    for outgoing, only the address you gave: :class:`AddressOut`)."""

    id = serializers.IntegerField()
    linkStatus = serializers.CharField(source="status")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    account = serializers.SerializerMethodField()

    @extend_schema_field(AccountOut)
    def get_account(self, offer: LinkSecret) -> dict:
        if self.context.get("direction") == "out":
            return AddressOut({"id": None, "email": offer.target_email, "username": None, "avatar": None}).data
        return AccountOut(offer.source_user, context=self.context).data


class OfferCreatedOut(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    secret = serializers.CharField()
    linkStatus = serializers.CharField()
    link = serializers.URLField()
    expires_at = serializers.DateTimeField()


class OfferSeenOut(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(help_text="E-mail of the account that asks to join (A).")
    username = serializers.CharField()
    linkStatus = serializers.CharField()
    expires_at = serializers.DateTimeField()


class LinkDoneOut(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(help_text="E-mail of the other account (A for the one who accepted).")
    username = serializers.CharField()
    linkStatus = serializers.CharField()


class OverviewOut(serializers.Serializer):
    accounts = AccountOut(many=True, help_text="The other accounts of your group.")
    incoming = OfferOut(many=True, help_text="Open offers waiting for your answer.")
    outgoing = OfferOut(many=True, help_text="Open offers you made.")


class SwitchOut(TokenPairOut):
    user = AccountOut()
