"""Staff onboarding: one place for the rules, called by the API, the
activation page and the admin alike."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ServiceToken, User, normalize_email
from accounts.services import password_set, user_deactivate
from core import ratelimit
from core.errors import Conflict, Forbidden, Gone, Invalid
from core.i18n import is_supported_locale
from core.mail import send_notice, send_required
from core.secrets import equals

from .codes import code_display, code_hash, code_new, code_normalize
from .models import ActivationCode, Position, Staff
from .validators import normalize_full_name, normalize_phone, normalize_staff_email, phone_given

logger = logging.getLogger(__name__)

ACTIVATION_CODE_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class IssuedCode:
    """A code as shown to the person once: ``ABCD-EFGH-JK``. Never stored.

    ``code`` is None when it was e-mailed to the employee instead of being
    handed to the caller (see :func:`staff_user_issue`)."""

    code: str | None
    expires_at: datetime

    @property
    def emailed(self) -> bool:
        return self.code is None


# --- Staff records ---------------------------------------------------------------------


def _optional_phone(value: str) -> str:
    # Many employees give no phone; one that is given must be a real number.
    return normalize_phone(value) if phone_given(value) else ""


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


def _privileged(user: User) -> bool:
    """Rights beyond an employee's: what a takeover would be after."""
    return bool(user.is_staff or user.is_superuser or user.groups.exists() or user.user_permissions.exists())


def _refuse_privileged(user: User, by_user: User | None) -> None:
    """Only a superuser (a person) touches an account with rights; never the bot."""
    if _privileged(user) and not (by_user is not None and by_user.is_active and by_user.is_superuser):
        raise Forbidden(
            _(
                "This account has administrative rights (staff or superuser status, groups or permissions): "
                "only a superuser can deactivate it or issue it a code, in the admin."
            ),
            code="privileged_account",
        )


def _ever_activated(user: User) -> bool:
    """Whether the account was ever someone's: a password set, a sign-in, a used code.
    Caller checks before clearing the password."""
    return (
        user.has_usable_password()
        or user.last_auth_at is not None
        or ActivationCode.objects.filter(user=user, used_at__isnull=False).exists()
    )


def activation_url() -> str:
    return f"{settings.SITE_URL}/activate/"


@transaction.atomic
def staff_user_issue(
    *, staff: Staff, by_user: User | None = None, reveal_to_admin: bool = False
) -> tuple[Staff, IssuedCode, bool]:
    """Create the staff member's user, or give a user still waiting for
    activation a new code (the old one stops working). Returns the staff
    record, the code and whether the user was created.

    ``by_user`` is the person asking (None: a machine, the bot's service
    token). A deactivated user gets a new code too, and its password is
    cleared: it is onboarded again. An account that was ever activated was
    someone's: its code is e-mailed to the employee (``IssuedCode.code`` is
    None) unless a person in the Django admin (``reveal_to_admin``) asks, so
    whoever holds the bot's token cannot choose that account's password.
    An account with rights (staff, superuser, groups, permissions) is
    refused (403 ``privileged_account``) unless ``by_user`` is a superuser.
    An active user gets 409 ``already_active``: a code would let whoever
    holds it set the password of a working account.
    """
    staff = Staff.objects.select_for_update(of=("self",)).select_related("position", "user").get(pk=staff.pk)
    if not staff.position.has_erp_access:
        raise _no_erp_access(staff.position)
    if staff.user is None:
        issued = _user_create(staff)
        return staff, issued, True
    user = staff.user
    _refuse_privileged(user, by_user)
    if user.is_active:
        raise Conflict(
            _("This staff member's account is already active; they sign in with their password."),
            code="already_active",
        )
    to_mailbox = _ever_activated(user) and not (reveal_to_admin and by_user is not None)
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if staff.deactivated_at is not None:
        staff.deactivated_at = None
        staff.save(update_fields=["deactivated_at"])
    issued = _code_issue(user)
    if to_mailbox:
        # Queued when this commits; a refused queue raises from the commit (503), and the bot retries.
        send_required(
            template="staff/staff_activation_code",
            to=user.email,
            context={
                "email": user.email,
                "code": issued.code,
                "url": activation_url(),
                "days": ACTIVATION_CODE_LIFETIME.days,
            },
            locale=user.locale,
        )
        issued = IssuedCode(code=None, expires_at=issued.expires_at)
    return staff, issued, False


def staff_activate(*, email: str, activation_code: str, password: str, ip: str, locale: str | None = None) -> User:
    """Check the code, set the first password and activate the user.

    Errors, each with its own ``code``:

    - 400 ``code_malformed``: not 10 symbols of the code alphabet;
    - 400 ``invalid_code``: unknown e-mail or wrong code, one answer whatever
      the account's state (pending, active, none);
    - 410 ``code_expired``, ``code_used``, ``code_replaced`` (a newer one
      exists): only for the right pair of e-mail and code, which only its
      holder knows;
    - 400 ``password_invalid`` with ``errors.password`` (the code is not used up);
    - 403 ``no_erp_access`` when the position lost its access meanwhile;
    - 429 ``rate_limited``: too many wrong tries from this address, for this
      e-mail from this address, or for this e-mail from everywhere.

    Wrong tries are limited, not the code: with 30^10 possible codes and at
    most ``staff-activate-address`` wrong tries per e-mail per hour, guessing
    is hopeless over the code's 7 days, so a counter that killed the code
    after 5 tries only let anyone who knew the e-mail destroy it. The code
    row still counts them (the admin sees them); an outsider at the limits
    delays the employee by one window at most and never ends the code.
    """
    email = normalize_email(str(email or ""))
    pair = f"{email}|{ip}"
    ratelimit.guard("staff-activate-ip", ip)
    ratelimit.guard("staff-activate-pair", pair)
    ratelimit.guard("staff-activate-address", email)
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
        user = User.objects.select_for_update().filter(email=email).first()
        if user is None:
            error = _wrong_code()
        else:
            digest = code_hash(compact, user_id=user.pk)
            live = (
                ActivationCode.objects.select_for_update()
                .filter(user=user, used_at__isnull=True, retired_at__isnull=True)
                .first()
            )
            if live is not None and equals(live.code_hash, digest):
                if live.expires_at <= timezone.now():
                    error = Gone(_("This activation code has expired. Ask for a new one."), code="code_expired")
                else:
                    _activate(user=user, code=live, password=password, locale=locale)
                    return user
            else:
                error = _stale_or_wrong(user=user, digest=digest, live=live)
    # Outside the transaction: the recorded try above is committed.
    if error.code == "invalid_code":
        ratelimit.hit("staff-activate-pair", pair)
        ratelimit.hit("staff-activate-address", email)
    ratelimit.hit("staff-activate-ip", ip)
    raise error


def _wrong_code() -> Invalid:
    return Invalid(
        _("The e-mail or the activation code is wrong."),
        code="invalid_code",
        errors={"activation_code": [_("Wrong code.")]},
    )


def _stale_or_wrong(*, user: User, digest: str, live: ActivationCode | None):
    """The code is not the live one: an old code, or a wrong guess (recorded)."""
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
    return _wrong_code()


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
def staff_deactivate(*, staff: Staff, by_user: User | None = None) -> Staff:
    """Turn the staff member's user off: no sign-in, no API access, no pending code.

    Access tokens stop working at once (the JWT authentication refuses
    inactive users), refresh tokens are blacklisted and browser sessions are
    deleted, so nothing comes back if the user is activated again. ``by_user``
    is the person asking (None: the bot); an account with rights needs a
    superuser (403 ``privileged_account``). The employee is told by e-mail.
    """
    staff = Staff.objects.select_for_update(of=("self",)).select_related("user").get(pk=staff.pk)
    if staff.user is None:
        raise Conflict(_("This staff member has no user to deactivate."), code="no_user")
    user = staff.user
    _refuse_privileged(user, by_user)
    was_active = user.is_active
    user_deactivate(user=user)
    if staff.deactivated_at is None:
        staff.deactivated_at = timezone.now()
        staff.save(update_fields=["deactivated_at"])
    ActivationCode.objects.filter(user=user, used_at__isnull=True, retired_at__isnull=True).update(
        retired_at=timezone.now()
    )
    if was_active:
        send_notice(
            template="staff/staff_deactivated", to=user.email, context={"email": user.email}, locale=user.locale
        )
    return staff
