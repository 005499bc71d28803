"""Staff onboarding: one place for the rules, called by the API, the
activation page and the admin alike."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import ServiceToken, User, normalize_email
from accounts.services import password_set, user_deactivate
from core import ratelimit
from core.errors import Conflict, Forbidden, Gone, Invalid
from core.i18n import is_supported_locale
from core.secrets import equals

from .codes import code_display, code_hash, code_new, code_normalize
from .models import ACTIVATION_CODE_MAX_ATTEMPTS, ActivationCode, Position, Staff
from .validators import normalize_full_name, normalize_phone, normalize_staff_email

logger = logging.getLogger(__name__)

ACTIVATION_CODE_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class IssuedCode:
    """A code as shown to the person once: ``ABCD-EFGH-JK``. Never stored."""

    code: str
    expires_at: datetime


# --- Staff records ---------------------------------------------------------------------


def _optional_phone(value: str) -> str:
    # Many employees give no phone; one that is given must be a real number.
    return normalize_phone(value) if value.strip() else ""


def staff_clean(*, full_name: str, email: str, phone: str, exclude_pk: int | None = None) -> dict[str, str]:
    """Normalise the fields of a staff record and check the e-mail is free.

    Raises :class:`Invalid` with per-field errors, or :class:`Conflict` when
    the e-mail belongs to another staff member (``staff_exists``) or to an
    existing account (``email_taken``): staff accounts are created here, an
    existing account is never attached to a staff record behind its owner's back.
    """
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for field, normalize, value in (
        ("full_name", normalize_full_name, full_name),
        ("email", normalize_staff_email, email),
        ("phone", _optional_phone, phone),
    ):
        try:
            cleaned[field] = normalize(value)
        except ValidationError as exc:
            errors[field] = list(exc.messages)
    if errors:
        field, messages = next(iter(errors.items()))
        raise Invalid(f"{field}: {messages[0]}", code="invalid", errors=errors)

    others = Staff.objects.exclude(pk=exclude_pk) if exclude_pk else Staff.objects.all()
    if others.filter(email__iexact=cleaned["email"]).exists():
        raise Conflict(_("A staff member with this e-mail already exists."), code="staff_exists")
    own_user_id = Staff.objects.filter(pk=exclude_pk).values_list("user_id", flat=True).first() if exclude_pk else None
    if User.objects.filter(email=cleaned["email"]).exclude(pk=own_user_id).exists():
        raise Conflict(_("This e-mail is already used by another account."), code="email_taken")
    return cleaned


def _position_get(position_id: int | Position) -> Position:
    if isinstance(position_id, Position):
        return position_id
    position = Position.objects.filter(pk=position_id).first() if isinstance(position_id, int) else None
    if position is None:
        raise Invalid(
            _("There is no position with this id. GET /api/v1/positions lists them."),
            code="unknown_position",
            errors={"position": [_("Unknown position.")]},
        )
    return position


def _no_erp_access(position: Position) -> Forbidden:
    return Forbidden(
        _("The position “%(position)s” has no access to the web application, so no user can be created.")
        % {"position": position.name},
        code="no_erp_access",
    )


def staff_create(
    *,
    full_name: str,
    email: str,
    phone: str,
    position: int | Position,
    create_user: bool = False,
    created_by_user: User | None = None,
    created_by_token: ServiceToken | None = None,
) -> tuple[Staff, IssuedCode | None]:
    """Create a staff record and, with ``create_user``, its inactive user and
    an activation code. Either everything is created or nothing is."""
    if created_by_user is not None and created_by_token is not None:
        raise ValueError("A staff record has one creator: a person or a service token.")
    position = _position_get(position)
    cleaned = staff_clean(full_name=full_name, email=email, phone=phone)
    if create_user and not position.has_erp_access:
        raise _no_erp_access(position)
    try:
        with transaction.atomic():
            staff = Staff.objects.create(
                **cleaned,
                position=position,
                created_by_user=created_by_user if created_by_user and created_by_user.is_authenticated else None,
                created_by_token=created_by_token,
            )
            issued = _user_create(staff) if create_user else None
    except IntegrityError as exc:
        # A concurrent request took the e-mail between the check and the insert.
        raise _email_conflict(cleaned["email"]) from exc
    return staff, issued


def staff_update(*, staff: Staff, full_name: str, email: str, phone: str, position: int | Position) -> Staff:
    """Change a staff record. Once the user exists, its e-mail is the login and
    is changed on the account, not here."""
    position = _position_get(position)
    cleaned = staff_clean(full_name=full_name, email=email, phone=phone, exclude_pk=staff.pk)
    if staff.user_id and cleaned["email"] != staff.user.email:
        raise Invalid(
            _("This staff member already has a user; change the e-mail on the user account."),
            code="email_locked",
            errors={"email": [_("The e-mail is the user's login now.")]},
        )
    try:
        with transaction.atomic():
            for field, value in cleaned.items():
                setattr(staff, field, value)
            staff.position = position
            staff.save(update_fields=[*cleaned, "position"])
    except IntegrityError as exc:
        raise _email_conflict(cleaned["email"]) from exc
    return staff


def _email_conflict(email: str) -> Conflict:
    if Staff.objects.filter(email__iexact=email).exists():
        return Conflict(_("A staff member with this e-mail already exists."), code="staff_exists")
    return Conflict(_("This e-mail is already used by another account."), code="email_taken")


# --- Users and activation codes -----------------------------------------------------------


def _user_create(staff: Staff) -> IssuedCode:
    """Caller holds a transaction. An inactive user with no usable password."""
    if User.objects.filter(email=staff.email).exists():
        raise Conflict(_("This e-mail is already used by another account."), code="email_taken")
    user = User.objects.create_user(staff.email, None, is_active=False)
    staff.user = user
    staff.save(update_fields=["user"])
    return _code_issue(user)


def _code_issue(user: User) -> IssuedCode:
    """Caller holds a transaction. Retires the outstanding code, if any."""
    now = timezone.now()
    ActivationCode.objects.filter(user=user, used_at__isnull=True, retired_at__isnull=True).update(retired_at=now)
    code = code_new()
    row = ActivationCode.objects.create(
        user=user, code_hash=code_hash(code, user_id=user.pk), created_at=now, expires_at=now + ACTIVATION_CODE_LIFETIME
    )
    return IssuedCode(code=code_display(code), expires_at=row.expires_at)


@transaction.atomic
def staff_user_issue(*, staff: Staff) -> tuple[Staff, IssuedCode, bool]:
    """Create the staff member's user, or give a user still waiting for
    activation a new code (the old one stops working). Returns the staff
    record, the code and whether the user was created.

    A deactivated user gets a new code too, and its password is cleared: it
    is onboarded again. An active user gets 409 ``already_active``: a code
    would let whoever holds it set the password of a working account.
    """
    staff = Staff.objects.select_for_update(of=("self",)).select_related("position", "user").get(pk=staff.pk)
    if not staff.position.has_erp_access:
        raise _no_erp_access(staff.position)
    if staff.user is None:
        issued = _user_create(staff)
        return staff, issued, True
    user = staff.user
    if user.is_active:
        raise Conflict(
            _("This staff member's account is already active; they sign in with their password."),
            code="already_active",
        )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if staff.deactivated_at is not None:
        staff.deactivated_at = None
        staff.save(update_fields=["deactivated_at"])
    return staff, _code_issue(user), False


def staff_activate(*, email: str, activation_code: str, password: str, ip: str, locale: str | None = None) -> User:
    """Check the code, set the first password and activate the user.

    Errors, each with its own ``code``:

    - 400 ``code_malformed``: not 10 symbols of the code alphabet (no try used);
    - 400 ``invalid_code``: unknown e-mail or wrong code (one try of the code used);
    - 410 ``code_expired``, ``code_used``, ``code_replaced`` (a newer one exists),
      ``code_attempts_exceeded`` (5 wrong tries: the code is dead);
    - 400 ``password_invalid`` with ``errors.password`` (the code is not used up);
    - 403 ``no_erp_access`` when the position lost its access meanwhile;
    - 429 ``rate_limited``: too many failures from this address.
    """
    ratelimit.guard("staff-activate-ip", ip)
    compact = code_normalize(activation_code)
    if compact is None:
        ratelimit.hit("staff-activate-ip", ip)
        raise Invalid(
            _("An activation code has 10 letters and digits, like ABCD-EFGH-JK. Check what you typed."),
            code="code_malformed",
            errors={"activation_code": [_("Not an activation code.")]},
        )

    error = None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email=normalize_email(str(email or ""))).first()
        if user is None:
            error = _wrong_code(None)
        else:
            digest = code_hash(compact, user_id=user.pk)
            live = (
                ActivationCode.objects.select_for_update()
                .filter(user=user, used_at__isnull=True, retired_at__isnull=True)
                .first()
            )
            if live is not None and live.attempts >= ACTIVATION_CODE_MAX_ATTEMPTS:
                error = Gone(
                    _("Too many wrong tries: this code no longer works. Ask for a new one."),
                    code="code_attempts_exceeded",
                )
            elif live is not None and equals(live.code_hash, digest):
                if live.expires_at <= timezone.now():
                    error = Gone(_("This activation code has expired. Ask for a new one."), code="code_expired")
                else:
                    _activate(user=user, code=live, password=password, locale=locale)
                    return user
            else:
                error = _stale_or_wrong(user=user, digest=digest, live=live)
    # Outside the transaction: the counted try above is committed.
    ratelimit.hit("staff-activate-ip", ip)
    raise error


def _wrong_code(live: ActivationCode | None) -> Invalid:
    if live is None:
        message = _("The e-mail or the activation code is wrong.")
    else:
        left = ACTIVATION_CODE_MAX_ATTEMPTS - live.attempts
        if left > 0:
            message = ngettext(
                "The e-mail or the activation code is wrong. %(n)d try left.",
                "The e-mail or the activation code is wrong. %(n)d tries left.",
                left,
            ) % {"n": left}
        else:
            message = _("The activation code is wrong and that was the last try. Ask for a new code.")
    return Invalid(message, code="invalid_code", errors={"activation_code": [_("Wrong code.")]})


def _stale_or_wrong(*, user: User, digest: str, live: ActivationCode | None):
    """The code is not the live one: an old code, or a wrong guess (counted)."""
    old = ActivationCode.objects.filter(user=user, code_hash=digest).order_by("-created_at").first()
    if old is not None and old.used_at is not None:
        return Gone(_("This activation code has already been used. Sign in with your password."), code="code_used")
    if old is not None and old.retired_at is not None:
        return Gone(
            _("A newer activation code was issued for this account; this one no longer works. Use the latest code."),
            code="code_replaced",
        )
    if live is not None:
        live.attempts += 1
        live.save(update_fields=["attempts"])
    return _wrong_code(live)


def _activate(*, user: User, code: ActivationCode, password: str, locale: str | None) -> None:
    """Caller holds row locks on the user and the code, which matched."""
    staff = Staff.objects.select_related("position").filter(user=user).first()
    if staff is not None and not staff.position.has_erp_access:
        raise _no_erp_access(staff.position)
    user.is_active = True
    fields = ["is_active"]
    if is_supported_locale(locale):
        user.locale = locale
        fields.append("locale")
    # A first password: no notice, there was no password to lose. A password
    # the rules refuse raises here and the caller's transaction rolls back.
    password_set(user=user, password=password, field="password", notify=False, update_fields=fields)
    code.used_at = timezone.now()
    code.save(update_fields=["used_at"])


# --- Deactivation ----------------------------------------------------------------------------


@transaction.atomic
def staff_deactivate(*, staff: Staff) -> Staff:
    """Turn the staff member's user off: no sign-in, no API access, no pending code.

    Access tokens stop working at once (the JWT authentication refuses
    inactive users), refresh tokens are blacklisted and browser sessions are
    deleted, so nothing comes back if the user is activated again.
    """
    staff = Staff.objects.select_for_update(of=("self",)).select_related("user").get(pk=staff.pk)
    if staff.user is None:
        raise Conflict(_("This staff member has no user to deactivate."), code="no_user")
    user = staff.user
    user_deactivate(user=user)
    if staff.deactivated_at is None:
        staff.deactivated_at = timezone.now()
        staff.save(update_fields=["deactivated_at"])
    ActivationCode.objects.filter(user=user, used_at__isnull=True, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
    return staff
