"""Filters that refuse what they cannot read instead of ignoring it."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _


class StrictBooleanField(forms.Field):
    default_error_messages = {"invalid": _("Use true or false.")}

    def to_python(self, value):
        if value is None:  # absent
            return None
        if value in ("true", "True", "1"):
            return True
        if value in ("false", "False", "0"):
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class IdFilter(django_filters.NumberFilter):
    """``?position=3``: a whole number from 1 (``1.5`` or ``1e300`` is a 400,
    as the schema's integer says), not Django's decimal."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 10**18 - 1)
        super().__init__(*args, **kwargs)


class StrictChoiceField(forms.ChoiceField):
    """An empty value is not "no filter" (the schema's enum has none): absent is."""

    def to_python(self, value):
        if value is None:
            return ""
        if value == "":
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": ""}
            )
        return super().to_python(value)


class StrictChoiceFilter(django_filters.ChoiceFilter):
    field_class = StrictChoiceField


class StrictBooleanFilter(django_filters.BooleanFilter):
    """``?has_erp_access=true|false``; ``null``, ``yes`` or ``2`` are a 400, not "no filter"."""

    field_class = StrictBooleanField
