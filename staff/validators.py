"""Normalising and checking what people type into a staff record.

Used by the service (and through it by the API) and by the admin form, so
the rules live here once. Each function returns the normalised value or
raises Django's ``ValidationError`` with a translated message.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from accounts.models import EMAIL_MAX_LENGTH

FULL_NAME_MAX = 200
# E.164: a plus, then 7 to 15 digits, the first not zero.
_PHONE_RE = re.compile(r"^\+[1-9]\d{6,14}$")
# What people put between digits: spaces, dashes, dots, brackets.
_PHONE_NOISE = re.compile(r"[\s\-.()\u2010-\u2015\u2212]")
# What normalize_phone accepts (or nothing), as a JSON-schema pattern for the API schema.
_N = _PHONE_NOISE.pattern + "*"
PHONE_PATTERN = rf"^({_N}|{_N}(\+|0{_N}0){_N}[1-9]({_N}\d){{6,14}}{_N})$"


def normalize_full_name(value: str) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise ValidationError(_("Enter the full name."), code="required")
    if len(name) > FULL_NAME_MAX:
        raise ValidationError(
            _("The full name is too long (at most %(max)d characters).") % {"max": FULL_NAME_MAX}, code="max_length"
        )
    return name


def normalize_staff_email(value: str) -> str:
    email = str(value or "").strip().lower()
    if not email:
        raise ValidationError(_("Enter the e-mail address."), code="required")
    if len(email) > EMAIL_MAX_LENGTH:
        raise ValidationError(_("Enter a valid e-mail address."), code="invalid")
    validate_email(email)
    return email


def phone_given(value: str) -> bool:
    """Whether a phone was typed at all: spaces, dashes or brackets alone are
    no phone (PHONE_PATTERN's first alternative)."""
    return bool(_PHONE_NOISE.sub("", str(value or "")))


def normalize_phone(value: str) -> str:
    """``+7 (999) 123-45-67`` -> ``+79991234567``; anything not E.164-like is refused."""
    raw = str(value or "").strip()
    if not raw:
        raise ValidationError(_("Enter the phone number."), code="required")
    phone = _PHONE_NOISE.sub("", raw)
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not _PHONE_RE.match(phone):
        raise ValidationError(
            _("Enter the phone number in international format: a plus and 7 to 15 digits, e.g. +7 999 123-45-67."),
            code="invalid_phone",
        )
    return phone
