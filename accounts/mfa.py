"""The second factor: an authenticator app (TOTP) and recovery codes.

Built on django-otp's devices: a person has at most one confirmed
``TOTPDevice`` (the app) and one ``StaticDevice`` holding their recovery
codes. django-otp keeps static tokens in clear; here each one is stored as a
keyed digest (:func:`_recovery_digest`) and only ever verified through
:func:`mfa_verify`, which hashes what was typed first, so a leaked table
gives neither the codes nor anything that works in their place.

Who has a second factor is read through the user's cache scope
(:func:`confirmed_device_ids`), so the admin's check costs no query on a
warm cache; every change here bumps that scope once it commits.

Sign-in with a second factor, in two steps:

- pages: the password step leaves a short-lived *pending* sign-in in the
  session (:func:`sign_in_pending_start`), not a login; the code page
  finishes it (:func:`sign_in_pending_finish`), which logs in and marks the
  session verified with the device that answered;
- API: the token endpoint answers with a *ticket* (:func:`mfa_ticket_issue`),
  5 minutes, single use, stored in the cache under its SHA-256;
  ``POST /auth/token/mfa`` trades it and a code for the token pair
  (:func:`token_pair_issue_mfa`).

Wrong codes are limited per user (``mfa-user``) and per IP (``mfa-ip``) in
``settings.RATE_LIMITS``; django-otp's own throttling is switched off
(``OTP_*_THROTTLE_FACTOR = 0``) so there is one table of limits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import ratelimit
from core.cache import bump
from core.errors import Conflict, Invalid, NotAuthenticated, NotFound, Unavailable
from core.secrets import equals, hash_token

from .cache import user_scope
from .models import User
from .services import (
    TokenPair,
    token_pair_issue,
    token_password_claim,
    user_record_sign_in,
    user_sign_in_session,
)
from .user_cache import cached_for_user

TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# 12 characters of 31 without look-alikes (no i, l, o, 0, 1): 59 bits each.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 12
PENDING_SECONDS = 5 * 60
TICKET_SECONDS = 5 * 60
PENDING_KEY = "accounts:mfa_pending"
STEP_UP_KEY = "accounts:mfa_step_up"

_TOTP_RE = re.compile(r"^\d{6}$")
_RECOVERY_RE = re.compile(rf"^[{RECOVERY_ALPHABET}]{{{RECOVERY_LENGTH}}}$")


def _now() -> float:
    return time.time()


# --- Reads ---------------------------------------------------------------------------------------------


def confirmed_device_ids(user_id: int) -> frozenset[str]:
    """The persistent ids of the user's confirmed devices, from the user's cache scope."""

    def load() -> list[str]:
        totp = TOTPDevice.objects.filter(user_id=user_id, confirmed=True).values_list("pk", flat=True)
        static = StaticDevice.objects.filter(user_id=user_id, confirmed=True).values_list("pk", flat=True)
        return [f"{TOTPDevice.model_label()}/{pk}" for pk in totp] + [
            f"{StaticDevice.model_label()}/{pk}" for pk in static
        ]

    return frozenset(cached_for_user(user_id, "mfa-devices", load))


def mfa_enabled(user: Any) -> bool:
    """Whether sign-in asks this user for a code: they have a confirmed authenticator app."""
    prefix = TOTPDevice.model_label() + "/"
    return any(pid.startswith(prefix) for pid in confirmed_device_ids(user.pk))


def session_verified(request) -> bool:
    """Whether this session passed the second factor with a device the user still has."""
    user = request.user
    device_id = request.session.get(DEVICE_ID_SESSION_KEY)
    return bool(user.is_authenticated and device_id and device_id in confirmed_device_ids(user.pk))


def totp_device(user: Any, *, confirmed: bool) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-pk").first()


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def totp_secret(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32 in groups of four."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def totp_qr_svg(device: TOTPDevice) -> bytes:
    """The ``otpauth://`` URL of ``device`` as an SVG QR code (black on white, no scripts or styles)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathFillImage, border=2)
    return image.to_string(encoding="unicode").encode()


# --- Recovery codes -------------------------------------------------------------------------------------


def _normalize(code: str) -> str:
    return re.sub(r"[\s-]+", "", code or "").lower()


def _recovery_digest(code: str) -> str:
    """16 base32 characters (80 bits) of an HMAC keyed with the server's key:
    what fits django-otp's 16-character token column."""
    mac = hmac.new(settings.SECRET_KEY.encode(), f"mfa-recovery:{code}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac).decode()[:16].lower()


def _recovery_code_new() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _recovery_codes_replace(*, user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME, defaults={"confirmed": True})
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [_recovery_code_new() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=_recovery_digest(_normalize(c))) for c in codes)
    return codes


def _changed(user: User) -> None:
    """Drop the cached devices now (this transaction's reads) and once it commits (everyone's)."""
    bump(user_scope(user.pk))
    transaction.on_commit(lambda: bump(user_scope(user.pk)))


# --- Verification -------------------------------------------------------------------------------------


def _code_wrong() -> NotAuthenticated:
    message = _("This code is wrong or has already been used.")
    return NotAuthenticated(message, code="mfa_code_invalid", errors={"code": [message]})


def _match(*, user: User, code: str) -> Device | None:
    """The device that accepts ``code`` (TOTP for 6 digits, else a recovery code), consuming it."""
    code = _normalize(code)
    with transaction.atomic():
        if _TOTP_RE.match(code):
            for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
                if device.verify_token(code):
                    return device
        elif _RECOVERY_RE.match(code):
            for device in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
                if device.verify_token(_recovery_digest(code)):
                    return device
    return None


def mfa_verify(*, user: User, code: str, ip: str) -> Device:
    """Check a code from the app or a recovery code (used up). Wrong codes
    count toward ``mfa-user`` and ``mfa-ip``; over a limit, 429."""
    ratelimit.guard("mfa-ip", ip)
    ratelimit.guard("mfa-user", str(user.pk))
    device = _match(user=user, code=code)
    if device is None:
        ratelimit.hit("mfa-ip", ip)
        ratelimit.hit("mfa-user", str(user.pk))
        raise _code_wrong()
    if isinstance(device, StaticDevice):
        _changed(user)  # one recovery code fewer
    return device


def _reauthenticate(*, user: User, secret: str, ip: str) -> None:
    """A current code from the app, a recovery code or the password: for turning
    the second factor off or replacing the recovery codes."""
    if _TOTP_RE.match(_normalize(secret)):
        mfa_verify(user=user, code=secret, ip=ip)
        return
    ratelimit.guard("mfa-user", str(user.pk))
    if secret and user.check_password(secret):
        return
    if _RECOVERY_RE.match(_normalize(secret)):
        mfa_verify(user=user, code=secret, ip=ip)
        return
    ratelimit.hit("mfa-user", str(user.pk))
    ratelimit.hit("signin-account", user.email)
    message = _("Enter your password or a current code.")
    raise Invalid(message, code="reauthentication_failed", errors={"secret": [message]})


# --- Enrolment -------------------------------------------------------------------------------------------


@transaction.atomic
def mfa_enrol_start(*, user: User) -> TOTPDevice:
    """A new unconfirmed authenticator (a fresh secret); an earlier unconfirmed one is dropped."""
    if totp_device(user, confirmed=True) is not None:
        raise Conflict(_("Two-factor authentication is already on."), code="mfa_enabled")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


@transaction.atomic
def mfa_enrol_confirm(*, user: User, code: str, ip: str, request=None) -> list[str]:
    """Confirm the pending authenticator with a code from it; returns the new
    recovery codes (shown once, stored hashed). With ``request``, that session
    counts as verified from now on."""
    ratelimit.guard("mfa-ip", ip)
    ratelimit.guard("mfa-user", str(user.pk))
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        raise NotFound(_("Start the set-up again."), code="mfa_not_pending")
    if not (_TOTP_RE.match(_normalize(code)) and device.verify_token(_normalize(code))):
        ratelimit.hit("mfa-ip", ip)
        ratelimit.hit("mfa-user", str(user.pk))
        message = _("This code is wrong. Check the time on your phone and try the current code.")
        raise Invalid(message, code="mfa_code_invalid", errors={"code": [message]})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_replace(user=user)
    if request is not None:
        otp_login(request, device)
    _changed(user)
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User, secret: str, ip: str) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    if not mfa_enabled(user):
        raise NotFound(_("Two-factor authentication is off."), code="mfa_disabled")
    _reauthenticate(user=user, secret=secret, ip=ip)
    codes = _recovery_codes_replace(user=user)
    _changed(user)
    return codes


@transaction.atomic
def mfa_disable(*, user: User, secret: str, ip: str) -> None:
    """Remove the authenticator and the recovery codes."""
    if not mfa_enabled(user):
        raise NotFound(_("Two-factor authentication is off."), code="mfa_disabled")
    _reauthenticate(user=user, secret=secret, ip=ip)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _changed(user)


# --- Sign-in on pages: a pending state in the session --------------------------------------------------


def sign_in_pending_start(*, request, user: User, next_url: str) -> None:
    """The password was right: remember who is half-way, for 5 minutes. Not a login."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "uid": user.pk,
        "pwv": token_password_claim(user),
        "exp": _now() + PENDING_SECONDS,
        "next": next_url,
    }


def sign_in_pending(request) -> tuple[User, str] | None:
    """The user half-way through signing in here and where they go next, or None (none, expired, stale)."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("exp", 0) < _now():
        return None
    user = User.objects.filter(pk=pending.get("uid"), is_active=True).first()
    if user is None or not equals(str(pending.get("pwv")), token_password_claim(user)):
        return None
    return user, str(pending.get("next") or "")


def sign_in_pending_clear(request) -> None:
    request.session.pop(PENDING_KEY, None)


def sign_in_pending_finish(*, request, user: User, code: str, ip: str) -> None:
    """The second step: a right code logs ``user`` in, verified with that device."""
    device = mfa_verify(user=user, code=code, ip=ip)
    sign_in_pending_clear(request)
    user_sign_in_session(request=request, user=user)
    otp_login(request, device)
    request.session.pop(STEP_UP_KEY, None)


def session_verify(*, request, code: str, ip: str) -> None:
    """A signed-in person proves the second factor for this session (before the
    admin, or after a sign-in that did not ask for it)."""
    device = mfa_verify(user=request.user, code=code, ip=ip)
    request.session.cycle_key()
    otp_login(request, device)
    request.session.pop(STEP_UP_KEY, None)


def session_awaits_code(request) -> bool:
    """Whether this session was logged in without the code its user needs
    (see :func:`demand_second_factor`); forgets it once the user has none."""
    if not request.session.get(STEP_UP_KEY):
        return False
    if request.user.is_authenticated and mfa_enabled(request.user) and not session_verified(request):
        return True
    request.session.pop(STEP_UP_KEY, None)
    return False


def demand_second_factor(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: every login of a user with a second factor (the
    admin's login form, activation, an account switch) leaves the session
    waiting for the code, which ``accounts.middleware.SecondFactorMiddleware``
    asks for before anything else; the code step itself clears it at once.
    Only a session flag here: the rule lives in the middleware and this module."""
    session = getattr(request, "session", None)
    if session is not None and mfa_enabled(user):
        session[STEP_UP_KEY] = True


# --- Sign-in on the API: a ticket ----------------------------------------------------------------------


def _ticket_key(ticket: str) -> str:
    return f"accounts:mfa-ticket:{hash_token(ticket)}"


def _ticket_invalid() -> NotAuthenticated:
    return NotAuthenticated(
        _("The sign-in ticket is invalid, expired or already used. Sign in again."), code="mfa_ticket_invalid"
    )


def mfa_ticket_issue(*, user: User) -> dict[str, Any]:
    """A single-use ticket for the second step, valid 5 minutes, kept as its SHA-256."""
    ticket = secrets.token_urlsafe(32)
    expires_at = int(_now()) + TICKET_SECONDS
    value = {"uid": user.pk, "pwv": token_password_claim(user), "exp": expires_at}
    if not cache.add(_ticket_key(ticket), value, TICKET_SECONDS):
        raise Unavailable(_("Sign-in is unavailable for a moment. Try again."), code="unavailable")
    return {"ticket": ticket, "ticket_expires_at": expires_at}


def token_pair_issue_mfa(*, ticket: str, code: str, ip: str) -> TokenPair:
    """Trade a ticket and a code for a token pair. A wrong code keeps the ticket
    (within the limits); the right one uses it up."""
    key = _ticket_key(ticket or "")
    value = cache.get(key)
    if not isinstance(value, dict) or value.get("exp", 0) < _now():
        raise _ticket_invalid()
    user = User.objects.filter(pk=value.get("uid"), is_active=True).first()
    if user is None or not equals(str(value.get("pwv")), token_password_claim(user)):
        raise _ticket_invalid()
    mfa_verify(user=user, code=code, ip=ip)
    if not cache.delete(key):  # a parallel request traded it a moment ago
        raise _ticket_invalid()
    user_record_sign_in(user=user)
    return token_pair_issue(user=user)
