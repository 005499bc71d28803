"""What every app's DRF door shares: parsing a body, strict integer input and
the error replies as the schema describes them (the handler that writes them
is ``core.errors.api_exception_handler``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers

from .errors import Invalid


def parse(
    serializer_class: type[serializers.Serializer], data: Mapping[str, Any], *, partial: bool = False
) -> dict[str, Any]:
    """The validated data of ``data`` (``request.data`` or ``request.query_params``),
    or a ValidationError that the handler turns into a 400 ``invalid``."""
    serializer = serializer_class(data=data, partial=partial)
    # A serializer whose schema says additionalProperties: false refuses what it does not know.
    if (getattr(serializer, "schema_extra", None) or {}).get("additionalProperties") is False:
        unknown = sorted(set(data) - set(serializer.fields)) if isinstance(data, Mapping) else []
        if unknown:
            raise Invalid(_("Unknown fields: %(f)s.") % {"f": ", ".join(unknown)}, code="invalid")
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def query_choice(request, name: str) -> str | None:
    """An optional query parameter with a fixed set of values (``type``,
    ``state``, ``ordering``...): None when absent. Present but empty is not
    "no filter" (the schema's enum has no empty value): a 400 ``invalid_<name>``,
    the code the reader's own check answers for an unknown value."""
    value = request.query_params.get(name)
    if value == "":
        message = _("Choose one of the listed values.")
        raise Invalid(message, code=f"invalid_{name}", errors={name: [message]})
    return value


class StrictIntegerField(serializers.IntegerField):
    """An integer that is an integer: ``true``, ``1.5`` and ``"5"`` are refused
    in JSON (a wrong guess is worse than a 400); ``5.0`` is 5, as JSON Schema
    (and so the OpenAPI schema) counts it an integer. Form-encoded bodies carry only
    strings, so there digits are accepted, unless ``json_only``."""

    def __init__(self, *, json_only: bool = False, **kwargs):
        self.json_only = json_only
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, float) and data.is_integer() and abs(data) < 2**63:
            data = int(data)
        if isinstance(data, str):
            from_form = isinstance(getattr(self.root, "initial_data", None), QueryDict)
            if self.json_only or not from_form or not data.strip().isdigit():
                self.fail("invalid")
            data = int(data)
        if not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """Only JSON ``true`` or ``false``: "yes", 1 or "false" as a string are
    refused rather than guessed at (a wrong guess makes a profile public, or
    creates an account)."""

    default_error_messages = {"invalid": _("Must be true or false (a JSON boolean).")}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class EnumField(serializers.ChoiceField):
    """A string declared as the enum of ``choices`` in the schema, whose value
    the service checks (with its own code, ``invalid_state``)."""

    default_error_messages = {"invalid": serializers.CharField.default_error_messages["invalid"]}

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.strip():
            self.fail("invalid")
        return data


# --- The error replies in the schema ---------------------------------------------------------------


# Every error reply: ``{"detail", "code"}`` (a 400 adds ``errors`` by field). No
# docstring: it would become the component's description. core.schema writes the
# component itself and puts it under every error status of every operation.
@extend_schema_serializer(component_name="Error")
class ErrorOut(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(required=False)


ERROR = OpenApiResponse(description='`{"detail", "code"}`')
VALIDATION_ERROR = OpenApiResponse(description='Validation: `{"detail", "code", "errors": {field: [...]}}`')
RATE_LIMITED = OpenApiResponse(description="Too many attempts; see `Retry-After`.")
ERRORS = {400: VALIDATION_ERROR, 401: ERROR, 429: RATE_LIMITED}
