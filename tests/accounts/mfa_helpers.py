"""Second-factor helpers: a confirmed authenticator for a user, and the code it shows now."""

from __future__ import annotations

import base64
import re

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import mfa


def totp_code(key: bytes, *, windows_ahead: int = 0) -> str:
    """What an authenticator app shows for ``key`` now (or ``windows_ahead`` 30-second steps later:
    a code is accepted once, and the next window's code is accepted too)."""
    return f"{totp(key, step=30, t0=0, digits=6, drift=windows_ahead):06d}"


def key_from_secret(secret: str) -> bytes:
    """The key behind the secret the enrolment page shows (base32 in groups of four)."""
    raw = re.sub(r"\s+", "", secret).upper()
    return base64.b32decode(raw + "=" * (-len(raw) % 8))


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """Turn the second factor on for ``user`` as the Settings page does; returns the device and recovery codes."""
    device = mfa.mfa_enrol_start(user=user)
    codes = mfa.mfa_enrol_confirm(user=user, code=totp_code(device.bin_key), ip="198.51.100.1")
    device.refresh_from_db()
    return device, codes


def code_for(device: TOTPDevice, *, windows_ahead: int = 1) -> str:
    """A code the device has not accepted yet (by default the next window's, since enrolment used this one)."""
    return totp_code(device.bin_key, windows_ahead=windows_ahead)


def forget_used(device: TOTPDevice) -> None:
    """Let the device accept this window's code again (as if 30 seconds had passed)."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, drift=0)
    device.refresh_from_db()
