"""Shapes of the ChatGPT action and of the edit page's JSON calls: shape only;
the services decide the rest."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from accounts.models import EMAIL_MAX_LENGTH, PIN_MAX, PIN_MIN
from accounts.serializers import StrictCharField
from core.api import StrictIntegerField


class InitIn(serializers.Serializer):
    # One of the two is needed (400 ``identifier_required`` otherwise).
    schema_extra = {
        "anyOf": [
            {"required": ["email"], "properties": {"email": {"type": "string", "minLength": 1}}},
            {"required": ["pin"], "properties": {"pin": {"type": "integer"}}},
        ]
    }

    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True, max_length=EMAIL_MAX_LENGTH)
    pin = StrictIntegerField(
        json_only=True,
        required=False,
        allow_null=True,
        min_value=PIN_MIN,
        max_value=PIN_MAX,
        error_messages={
            # ChatGPT sending ``"123456"`` is told how to send it instead of being guessed at.
            "invalid": gettext_lazy("Send the PIN as a JSON integer, e.g. 123456."),
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
    # Strings only: a number is a 400, as the schema says, not a 410.
    token = StrictCharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)


class SaveIn(TokenIn):
    locale = StrictCharField(required=False, allow_blank=True, allow_null=True)
    passphrase = StrictCharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    passphrase_confirm = StrictCharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)


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
