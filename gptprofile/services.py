"""Profile editing started from ChatGPT: a single-use e-mailed link to change the language or password.

ChatGPT asks for a link (:func:`profile_edit_init`); the person opens it
and the page (or any client holding the token) reads the profile with
:func:`profile_edit_load` and writes it with :func:`profile_edit_save`.
The page and the JSON API call these same functions.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import ServiceToken, User, normalize_email
from accounts.services import password_check, password_set
from core import ratelimit
from core.errors import Gone, Invalid, NotFound
from core.i18n import clean_locale, supported_locales
from core.mail import send_required
from core.secrets import equals, hash_token, new_token

from .models import TOKEN_LIFETIME, ProfileEditToken

# token_urlsafe(32) is 43 characters; anything much longer is not ours and is
# refused before it is hashed or looked up.
TOKEN_MAX_LENGTH = 64
# How long used and expired links stay visible in the admin before they are purged.
TOKEN_RETENTION = timedelta(days=7)

EMAIL_TEMPLATE = "gptprofile/gptprofile_edit_link"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EditLinkSent:
    token: ProfileEditToken
    expires_in_minutes: int


@dataclass(frozen=True)
class EditResult:
    user: User
    locale_changed: bool
    passphrase_changed: bool


def mask_email(email: str) -> str:
    """``john.doe@example.com`` -> ``j***@e***.com``: enough to recognise one's
    own address, not enough to learn someone else's."""
    local, _at, domain = email.partition("@")
    name, dot, rest = domain.partition(".")
    masked_domain = f"{name[:1]}***{dot}{rest}" if dot else f"{name[:1]}***"
    return f"{local[:1]}***@{masked_domain}"


def locale_choices() -> list[dict[str, str]]:
    """The site's languages, each named in itself (what a language picker shows)."""
    return [{"code": code, "name": translation.get_language_info(code)["name_local"]} for code in supported_locales()]


def edit_link_url(token: str) -> str:
    """The page link, always from the configured site URL, never the request's Host."""
    return f"{settings.SITE_URL}{reverse('gptprofile:edit')}?{urlencode({'token': token})}"


# --- Init: ChatGPT asks for a link -----------------------------------------------------------


def _user_not_found() -> NotFound:
    return NotFound(
        _(
            "No active Walks account matches this e-mail address or PIN. Ask the user to check the "
            "e-mail address they registered with, or the 6-digit PIN shown on their Walks settings page, "
            "and try again."
        ),
        code="user_not_found",
    )


def _find_user(*, email: str | None, pin: int | None) -> User:
    """The e-mail wins when both are given: a wrong e-mail with a
    right PIN is not found, rather than silently mailing someone else."""
    if email:
        user = User.objects.filter(email=normalize_email(email)).first()
    elif pin is not None:
        user = User.objects.filter(pin=pin).first()
    else:
        raise Invalid(
            _("Give the user's e-mail address or their 6-digit PIN."),
            code="identifier_required",
            errors={"email": [_("Give an e-mail address or a PIN.")], "pin": [_("Give an e-mail address or a PIN.")]},
        )
    if user is None or not user.is_active:
        # Blocked and deactivated accounts look exactly like unknown ones.
        raise _user_not_found()
    return user


def profile_edit_init(
    *,
    email: str | None = None,
    pin: int | None = None,
    service_token: ServiceToken | None = None,
    caller: str | None = None,
) -> EditLinkSent:
    """Find the account by e-mail or PIN, issue a new single-use link and
    e-mail it in the account's language. Older links of the account stop working.

    The caller has checked the shape of ``email`` and ``pin`` (a valid address,
    an integer in range); this function decides everything else.

    The link is the mail the person waits for: it is queued after the new
    link is committed, and :class:`Unavailable` (``email_unavailable``) when
    the queue refuses it (asking again sends a newer link).

    Limits, counted apart so that probing cannot switch the action off for
    everyone: ``gpt-init-token`` counts the links the token had sent (one
    action serves many people), ``gpt-init-miss-caller`` the "not found"
    lookups of one ``caller`` (the ChatGPT user or conversation the action
    names in its headers; the token itself when it names none), checked
    before the lookup so that over it every answer is the same 429.
    """
    token_key = f"token:{service_token.pk}" if service_token is not None else "token:none"
    caller_key = f"{token_key}:caller:{caller[:200]}" if caller else token_key
    if service_token is not None:
        ratelimit.guard("gpt-init-token", token_key)
    ratelimit.guard("gpt-init-miss-caller", caller_key)
    try:
        user = _find_user(email=email, pin=pin)
    except NotFound:
        ratelimit.hit("gpt-init-miss-caller", caller_key)
        raise
    ratelimit.check("gpt-init-user", f"user:{user.pk}")

    now = timezone.now()
    raw = new_token()
    with transaction.atomic():
        # A newer link retires the older ones: only the latest e-mail works.
        ProfileEditToken.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        ProfileEditToken.objects.filter(user=user, expires_at__lt=now - TOKEN_RETENTION).delete()
        token = ProfileEditToken.objects.create(
            user=user, token_hash=hash_token(raw), created_at=now, expires_at=now + TOKEN_LIFETIME
        )
    minutes = math.ceil(TOKEN_LIFETIME.total_seconds() / 60)
    send_required(
        template=EMAIL_TEMPLATE,
        to=user.email,
        locale=user.locale,
        key=f"gptprofile-edit-{token.pk}-{int(now.timestamp())}",
        context={
            "username": user.profile.username,
            "link": edit_link_url(raw),
            "expires_in_minutes": minutes,
        },
    )
    if service_token is not None:
        ratelimit.hit("gpt-init-token", token_key)
    return EditLinkSent(token=token, expires_in_minutes=minutes)


# --- Load and save: the person holding the link ------------------------------------------------


def _token_invalid() -> Gone:
    return Gone(
        _(
            "This profile link is not valid any more: it was already used, it expired, or a newer link "
            "replaced it. Ask ChatGPT to send you a new link."
        ),
        code="token_invalid",
    )


def _token_queryset(token: Any):
    """The rows that could match ``token``; empty for anything not shaped like one of ours."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH:
        return ProfileEditToken.objects.none(), ""
    digest = hash_token(token)
    return ProfileEditToken.objects.filter(token_hash=digest), digest


def _usable(row: ProfileEditToken | None, digest: str) -> ProfileEditToken:
    if row is None or not equals(row.token_hash, digest) or not row.is_usable():
        raise _token_invalid()
    return row


def edit_token_resolve(*, token: Any) -> ProfileEditToken:
    """The usable link for ``token`` with its user and profile loaded; raises
    :class:`Gone` (``token_invalid``) for an unknown, used, expired, empty or
    oversized one. Does not use the link up."""
    queryset, digest = _token_queryset(token)
    return _usable(queryset.select_related("user", "user__profile").first(), digest)


@transaction.atomic
def edit_token_exchange(*, token: Any) -> str:
    """Trade the link's token for a fresh one that the caller keeps out of
    every URL (in the browser's session): the token in the e-mailed address,
    which access logs and browser history record, stops working the moment
    the link is first opened. The link keeps its expiry and stays unused.
    Raises :class:`Gone` (``token_invalid``) like :func:`edit_token_resolve`."""
    queryset, digest = _token_queryset(token)
    row = _usable(queryset.select_for_update(of=("self",)).select_related("user").first(), digest)
    fresh = new_token()
    row.token_hash = hash_token(fresh)
    row.save(update_fields=["token_hash"])
    return fresh


def profile_edit_load(*, token: Any) -> dict[str, Any]:
    """What the edit page shows. Reading does not use the link up."""
    row = edit_token_resolve(token=token)
    user = row.user
    return {
        "email": mask_email(user.email),
        "username": user.profile.username,
        "locale": user.locale,
        "locales": locale_choices(),
        "expires_at": row.expires_at,
    }


def _clean_changes(
    *, user: User, locale: str | None, passphrase: str | None, passphrase_confirm: str | None
) -> tuple[str | None, str | None]:
    """Validate the requested changes against the account; raise :class:`Invalid` with per-field errors."""
    locale = locale or None
    passphrase = passphrase or None
    if locale is None and passphrase is None:
        raise Invalid(
            _("Choose a new language or enter a new password: there is nothing to save."),
            code="nothing_to_change",
        )
    errors: dict[str, list[str]] = {}
    if locale is not None:
        try:
            clean_locale(locale)
        except Invalid as exc:
            errors.update(exc.errors or {})
    if passphrase is not None:
        try:
            password_check(password=passphrase, user=user, field="passphrase")
        except Invalid as exc:
            errors.update(exc.errors or {})
        if passphrase_confirm is not None and not equals(passphrase, passphrase_confirm):
            errors["passphrase_confirm"] = [_("The two passwords do not match.")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise Invalid(first, code="invalid", errors=errors)
    return locale, passphrase


def profile_edit_save(
    *,
    token: Any,
    locale: str | None = None,
    passphrase: str | None = None,
    passphrase_confirm: str | None = None,
) -> EditResult:
    """Apply the changes and retire the link, in one transaction.

    The link's row is locked first, so of two saves racing with one link
    exactly one applies; the other finds the link used and gets
    :class:`Gone`. Invalid changes raise :class:`Invalid` and leave the link
    usable. ``passphrase_confirm``, when given, must equal ``passphrase``.
    A new passphrase ends the account's refresh tokens (the mobile client
    signs in again) and, through Django's session hash, its other browser sessions.
    """
    queryset, digest = _token_queryset(token)
    with transaction.atomic():
        row = _usable(
            queryset.select_for_update(of=("self",)).select_related("user").first(),
            digest,
        )
        user = row.user
        locale, passphrase = _clean_changes(
            user=user, locale=locale, passphrase=passphrase, passphrase_confirm=passphrase_confirm
        )
        fields: list[str] = []
        if locale is not None:
            user.locale = locale
            fields.append("locale")
        if passphrase is not None:
            # The same notice as any other password change: if it was not the
            # owner, they learn it and can restore.
            password_set(user=user, password=passphrase, field="passphrase", update_fields=fields)
        else:
            user.save(update_fields=fields)
        row.used_at = timezone.now()
        row.save(update_fields=["used_at"])
    return EditResult(user=user, locale_changed=locale is not None, passphrase_changed=passphrase is not None)


def edit_tokens_purge(*, now: datetime | None = None) -> int:
    """Delete links that expired more than :data:`TOKEN_RETENTION` ago. Returns how many."""
    cutoff = (now or timezone.now()) - TOKEN_RETENTION
    deleted, _by_model = ProfileEditToken.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
