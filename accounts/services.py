"""Account services shared by the pages and the API (and by other apps).

Every rule about accounts lives here once: the HTML views and the DRF views
parse their input, call one of these functions and turn a
:class:`core.errors.ServiceError` into a form error or a ``{"detail", "code"}``
reply. Limits and codes live in the shared cache (see ``accounts.codes`` and
``core.ratelimit``), so they hold across worker processes.

Functions that e-mail a code must be called outside a transaction: the mail
is queued at once, so a broker failure reaches the caller (and the person)
here instead of leaving a code nobody will receive.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import import_module
from typing import Any, TypedDict

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, authenticate, password_validation
from django.contrib.auth import login as django_login
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from core import ratelimit
from core.errors import Conflict, Invalid, NotAuthenticated, RateLimited, ServiceError, Unavailable
from core.i18n import clean_locale, locale_or_default
from core.images import reencode_image
from core.mail import send_notice, send_required
from core.secrets import equals

from . import codes
from .models import (
    BIO_MAX_LENGTH,
    LINK_MAX_LENGTH,
    LINKS_MAX,
    PASSWORD_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    Profile,
    User,
    normalize_email,
)

logger = logging.getLogger(__name__)

USERNAME_MIN_LENGTH = 3
USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]+$")
AVATAR_SIDE = 512
# JWT claim binding a token to the password it was issued under (see token_pair_issue).
PASSWORD_CLAIM = "pwv"


class TokenPair(TypedDict):
    access: str
    refresh: str
    access_expires_at: int


# --- Small shared checks --------------------------------------------------------------------------


def _code_invalid(failure: codes.CodeFailure | None = None) -> Invalid:
    """400 ``code_invalid`` (wrong; ``tries_left`` says how many more),
    ``code_expired`` (or used, or never sent) or ``code_attempts_exceeded``."""
    if failure is not None and failure.reason == "wrong":
        message = ngettext(
            "The code is wrong. You can try %(n)d more time.",
            "The code is wrong. You can try %(n)d more times.",
            failure.tries_left,
        ) % {"n": failure.tries_left}
        return Invalid(
            message, code="code_invalid", errors={"code": [message]}, extra={"tries_left": failure.tries_left}
        )
    if failure is not None and failure.reason == "exhausted":
        message = _("Too many wrong tries: this code no longer works. Ask for a new one.")
        return Invalid(message, code="code_attempts_exceeded", errors={"code": [message]})
    if failure is not None:
        message = _("This code has expired or was already used. Ask for a new one.")
        return Invalid(message, code="code_expired", errors={"code": [message]})
    message = _("The code is wrong or no longer valid. Check it, or ask for a new one.")
    return Invalid(message, code="code_invalid", errors={"code": [message]})


def _password_incorrect(field: str) -> Invalid:
    message = _("The password is wrong.")
    return Invalid(message, code="password_incorrect", errors={field: [message]})


def password_check(*, password: str, user: Any, field: str = "password") -> None:
    """The password rules: at most :data:`PASSWORD_MAX_LENGTH` characters, then
    Django's validators (length, common, numeric, similar to e-mail or username).
    Raises Invalid (``password_invalid``) with the messages under ``errors[field]``."""
    if len(password) > PASSWORD_MAX_LENGTH:
        message = _("The password is too long (at most %(max)d characters).") % {"max": PASSWORD_MAX_LENGTH}
        raise Invalid(message, code="password_invalid", errors={field: [message]})
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise Invalid(exc.messages[0], code="password_invalid", errors={field: list(exc.messages)}) from exc


def username_clean(username: str, *, user: User | None = None) -> str:
    """The username rule: 3-30 of ``A-Z a-z 0-9 . _ -``, unique ignoring case.

    Raises Invalid (``username_invalid``, 400) for the shape and Conflict
    (``username_taken``, 409) when someone else has it.
    """
    username = (username or "").strip()
    if not (USERNAME_MIN_LENGTH <= len(username) <= USERNAME_MAX_LENGTH) or not USERNAME_RE.match(username):
        message = _("Use %(min)d to %(max)d characters: Latin letters, digits, dots, dashes and underscores.") % {
            "min": USERNAME_MIN_LENGTH,
            "max": USERNAME_MAX_LENGTH,
        }
        raise Invalid(message, code="username_invalid", errors={"username": [message]})
    taken = Profile.objects.filter(username__iexact=username)
    if user is not None:
        taken = taken.exclude(user=user)
    if taken.exists():
        raise _username_taken()
    return username


def _username_taken() -> Conflict:
    message = _("This username is taken. Try another one.")
    return Conflict(message, code="username_taken", errors={"username": [message]})


def _email_taken() -> Conflict:
    message = _("An account with this e-mail already exists.")
    return Conflict(message, code="email_taken", errors={"email": [message]})


# --- E-mail codes ------------------------------------------------------------------------------


def _code_send_guard(*, email: str, ip: str) -> None:
    """At most one code per ``ACCOUNTS_CODE_RESEND_SECONDS`` per address, plus
    hourly caps per address and per IP. Raises RateLimited (429)."""
    ratelimit.guard("code-send-ip", ip)
    ratelimit.guard("code-send-address", email)
    claimed, wait = codes.send_mark_take(email)
    if claimed is None:
        raise Unavailable()
    if not claimed:
        raise RateLimited(
            ngettext(
                "A code was sent to this address a moment ago. Wait %(seconds)d second before asking again.",
                "A code was sent to this address a moment ago. Wait %(seconds)d seconds before asking again.",
                wait,
            )
            % {"seconds": wait},
            code="code_sent_recently",
            retry_after=wait,
        )
    ratelimit.hit("code-send-ip", ip)
    ratelimit.hit("code-send-address", email)


def _code_mail(
    *, purpose: str, subject: str, email: str, template: str, context: dict[str, Any], locale: str, with_code: bool
) -> None:
    """Issue a code (when ``with_code``) and queue its e-mail; if the queue
    refuses the mail, the code is forgotten and the person told to retry."""
    context = {**context, "minutes": codes.code_ttl() // 60}
    # Without a mailed code a live one is issued all the same, so that a guess
    # answers "wrong, n tries left" whether or not the address has an account.
    code = codes.code_issue(purpose=purpose, subject=subject)
    if with_code:
        context["code"] = code
    try:
        send_required(template=template, to=email, context=context, locale=locale)
    except Unavailable:
        if with_code:
            codes.code_discard(purpose=purpose, subject=subject)
        codes.send_mark_release(email)
        raise


def signup_code_send(*, email: str, ip: str, locale: str) -> None:
    """Step 1 of sign-up. A free address gets a code; a taken one gets an
    "you already have an account" mail instead. The caller replies the same
    in both cases. ``locale`` is the language of the request."""
    email = normalize_email(email)
    locale = locale_or_default(locale)
    _code_send_guard(email=email, ip=ip)
    taken = User.objects.filter(email=email).exists()
    _code_mail(
        purpose="signup",
        subject=email,
        email=email,
        template="accounts/account_exists" if taken else "accounts/signup_code",
        context={"email": email},
        locale=locale,
        with_code=not taken,
    )


def password_restore_request(*, email: str, ip: str) -> None:
    """Step 1 of a password restore: a code for an existing active account,
    nothing at all for an unknown address. Limits apply the same to both."""
    email = normalize_email(email)
    _code_send_guard(email=email, ip=ip)
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None:
        codes.code_issue(purpose="restore", subject=email)  # a guess answers as for an account
        return
    _code_mail(
        purpose="restore",
        subject=email,
        email=email,
        template="accounts/password_restore_code",
        context={"email": email, "username": user.username},
        locale=user.locale,
        with_code=True,
    )


def email_change_request(*, user: User, email: str, ip: str) -> None:
    """Step 1 of an e-mail change: the code goes to the NEW address.

    If that address already belongs to an account, its owner gets a notice
    instead of a code and the reply is the same, so a signed-in person
    cannot probe which addresses have accounts.
    """
    email = normalize_email(email)
    if email == user.email:
        message = _("This is already your e-mail address.")
        raise Invalid(message, code="email_unchanged", errors={"email": [message]})
    _code_send_guard(email=email, ip=ip)
    taken = User.objects.filter(email=email).exists()
    _code_mail(
        purpose="change",
        subject=f"{user.pk}:{email}",
        email=email,
        template="accounts/email_change_taken" if taken else "accounts/email_change_code",
        context={"email": email, "username": user.username},
        locale=user.locale,
        with_code=not taken,
    )


# --- Sign-up, sign-in, tokens ---------------------------------------------------------------------


def user_sign_up(*, email: str, username: str, password: str, code: str, locale: str) -> User:
    """Step 2 of sign-up: create the account if ``code`` is the one e-mailed to ``email``.

    The code is spent only when the account is created, so a taken username
    or a weak password can be fixed and sent again with the same code.
    """
    email = normalize_email(email)
    candidate = User(email=email)
    Profile(user=candidate, username=username)  # so the similarity check sees the username too
    problems: list[ServiceError] = []
    for check in (lambda: username_clean(username), lambda: password_check(password=password, user=candidate)):
        try:
            check()
        except ServiceError as exc:
            problems.append(exc)
    if problems:
        first = problems[0]
        if len(problems) > 1 and all(p.status == 400 for p in problems):
            # Show every field's problem at once, not one per round trip.
            raise Invalid(first.detail, code=first.code, errors={k: v for p in problems for k, v in p.errors.items()})
        raise first
    username = username.strip()
    with transaction.atomic():
        checked = codes.code_verify(purpose="signup", subject=email, code=code)
        if not checked:
            raise _code_invalid(checked)
        if User.objects.filter(email=email).exists():
            raise _email_taken()
        try:
            with transaction.atomic():
                user = User.objects.create_user(email, password, username=username, locale=locale_or_default(locale))
        except IntegrityError as exc:
            if User.objects.filter(email=email).exists():
                raise _email_taken() from exc
            raise _username_taken() from exc
        if not codes.code_consume(checked):
            raise _code_invalid()  # used by a parallel request a moment ago; roll back
    return user


def user_authenticate(*, email: str, password: str, ip: str) -> User:
    """Check e-mail and password, with failures limited per account and per IP.

    Unknown e-mail, wrong password and inactive account get the same 401
    (``invalid_credentials``); over a limit, 429.
    """
    email = normalize_email(email)
    ratelimit.guard("signin-ip", ip)
    ratelimit.guard("signin-account", email)
    user = authenticate(None, email=email, password=password)
    if user is None:
        ratelimit.hit("signin-ip", ip)
        ratelimit.hit("signin-account", email)
        raise NotAuthenticated(_("Wrong e-mail or password."), code="invalid_credentials")
    return user


def user_record_sign_in(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(last_auth_at=timezone.now())


def token_password_claim(user: User) -> str:
    """A keyed fingerprint of the user's password hash. Tokens carry it; when
    the password changes, every access token issued before stops working."""
    return salted_hmac("walks.jwt.password", user.password, algorithm="sha256").hexdigest()[:16]


def token_password_claim_matches(*, token, user: User) -> bool:
    """Tokens without the claim (minted directly with simplejwt) are accepted."""
    claim = token.get(PASSWORD_CLAIM)
    return claim is None or equals(str(claim), token_password_claim(user))


def token_pair_issue(*, user: User) -> TokenPair:
    """A fresh access + refresh pair; ``access_expires_at`` is the access token's own ``exp``."""
    refresh = RefreshToken.for_user(user)
    refresh[PASSWORD_CLAIM] = token_password_claim(user)
    access = refresh.access_token
    return {"access": str(access), "refresh": str(refresh), "access_expires_at": int(access["exp"])}


def _refresh_invalid() -> NotAuthenticated:
    return NotAuthenticated(
        _("The refresh token is invalid, expired or already used. Sign in again."), code="token_invalid"
    )


def _refresh_load(raw: str) -> tuple[RefreshToken, OutstandingToken]:
    try:
        token = RefreshToken(raw)
    except TokenError as exc:
        raise _refresh_invalid() from exc
    outstanding = (
        OutstandingToken.objects.select_related("user").filter(jti=token.get("jti")).first() if "jti" in token else None
    )
    if outstanding is None or outstanding.user is None:
        raise _refresh_invalid()
    return token, outstanding


@transaction.atomic
def token_pair_refresh(*, refresh: str) -> TokenPair:
    """Rotate: blacklist ``refresh`` and issue a new pair. A refresh token
    works once; a second use (or a race of two) gets 401 ``token_invalid``."""
    token, outstanding = _refresh_load(refresh)
    user = outstanding.user
    if not user.is_active or not token_password_claim_matches(token=token, user=user):
        raise _refresh_invalid()
    _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    if not created:
        raise _refresh_invalid()
    return token_pair_issue(user=user)


@transaction.atomic
def token_refresh_revoke(*, refresh: str) -> None:
    """Sign out an API client: its refresh token stops working."""
    _token, outstanding = _refresh_load(refresh)
    _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    if not created:
        raise _refresh_invalid()


def user_sign_in_session(*, request, user: User) -> None:
    """Start a browser session for ``user`` (already authenticated by the caller)."""
    django_login(request, user, backend="accounts.backends.EmailBackend")
    user_record_sign_in(user=user)


@transaction.atomic
def user_revoke_refresh_tokens(*, user: User) -> int:
    """Blacklist every refresh token of ``user`` that is still alive. Returns how many."""
    now = datetime.now(tz=UTC)
    alive = list(OutstandingToken.objects.filter(user=user, expires_at__gt=now).exclude(blacklistedtoken__isnull=False))
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in alive], ignore_conflicts=True)
    return len(alive)


def user_end_sessions(*, user: User) -> int:
    """Delete every browser session of ``user``. Returns how many.

    Database sessions do not index their user, so live sessions are decoded
    one by one; this runs on deactivation, which is rare.
    """
    from django.contrib.sessions.models import Session

    user_key = str(user.pk)
    mine = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now())
        .only("session_key", "session_data")
        .iterator(chunk_size=500)
        if session.get_decoded().get(SESSION_KEY) == user_key
    ]
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session_key in mine:
        store(session_key=session_key).delete()  # from the cache too, not only the table
    deleted = len(mine)
    if deleted:
        logger.info("ended %d session(s) of user #%s", deleted, user.pk)
    return deleted


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """Switch ``user`` off and end everything that keeps them signed in.

    Access tokens stop at once (authentication refuses inactive users);
    refresh tokens are blacklisted and browser sessions deleted, so nothing
    comes back if the account is activated again.
    """
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    user_revoke_refresh_tokens(user=user)
    user_end_sessions(user=user)


# --- Passwords --------------------------------------------------------------------------------------


def password_set(
    *,
    user: User,
    password: str,
    field: str = "password",
    request=None,
    notify: bool = True,
    update_fields: Sequence[str] = (),
) -> None:
    """Set a new password: the one way every door does it (restore, change,
    the profile-edit link, staff activation).

    Checks ``password`` (:func:`password_check`; 400 ``password_invalid``
    under ``errors[field]``), saves it with ``update_fields`` (other fields the
    caller changed on ``user``), blacklists every refresh token of ``user``
    and, with ``notify``, queues the "password changed" notice for when the
    transaction commits. Browser sessions carry a hash of the password, so
    every other session ends; the one of ``request``, if it is this user's,
    stays signed in under a new key. Runs in the caller's transaction when
    there is one (which then holds the user row's lock, as a reset by code does).
    """
    password_check(password=password, user=user, field=field)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password", *update_fields])
        user_revoke_refresh_tokens(user=user)
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_KEY) == str(user.pk):
        session.cycle_key()
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if notify:
        send_notice(
            template="accounts/password_changed", to=user.email, context={"email": user.email}, locale=user.locale
        )


def password_restore_confirm(*, email: str, code: str, new_password: str) -> User:
    """Step 2 of a restore: set the new password if ``code`` matches.

    Every refresh token and every browser session of the user stops working
    (sessions carry a hash of the password, which Django checks).
    """
    email = normalize_email(email)
    with transaction.atomic():
        checked = codes.code_verify(purpose="restore", subject=email, code=code)
        user = User.objects.select_for_update().filter(email=email, is_active=True).first()
        if not checked or user is None:
            raise _code_invalid(None if checked else checked)
        password_set(user=user, password=new_password, field="new_password")
        if not codes.code_consume(checked):
            raise _code_invalid()  # rolls the new password back, and its notice
    return user


def _password_verify(*, user: User, password: str, field: str) -> None:
    """The account's own password, limited like sign-in failures."""
    ratelimit.guard("signin-account", user.email)
    if not user.check_password(password):
        ratelimit.hit("signin-account", user.email)
        raise _password_incorrect(field)


def user_password_change(*, user: User, current_password: str, new_password: str, request=None) -> None:
    """Change the password of a signed-in person.

    Revokes all refresh tokens and every other browser session; the session
    of ``request`` (if it is this user's) stays signed in.
    """
    _password_verify(user=user, password=current_password, field="current_password")
    password_set(user=user, password=new_password, field="new_password", request=request)


# --- E-mail change ----------------------------------------------------------------------------------


def user_email_change(*, user: User, email: str, password: str, code: str) -> User:
    """Step 2 of an e-mail change: needs the account password and the code
    sent to the new address. 409 ``email_taken`` if the address was taken
    meanwhile (checked after the code, so it tells nothing to a prober)."""
    email = normalize_email(email)
    _password_verify(user=user, password=password, field="password")
    with transaction.atomic():
        checked = codes.code_verify(purpose="change", subject=f"{user.pk}:{email}", code=code)
        if not checked:
            raise _code_invalid(checked)
        if User.objects.filter(email=email).exclude(pk=user.pk).exists():
            raise _email_taken()
        old_email = user.email
        user.email = email
        try:
            with transaction.atomic():
                user.save(update_fields=["email"])
        except IntegrityError as exc:
            user.email = old_email
            raise _email_taken() from exc
        if not codes.code_consume(checked):
            user.email = old_email
            raise _code_invalid()
    send_notice(
        template="accounts/email_changed",
        to=old_email,
        context={"old_email": old_email, "email": email},
        locale=user.locale,
    )
    return user


# --- Profile ------------------------------------------------------------------------------------------


def _links_clean(links: list[str]) -> list[str]:
    cleaned, errors = [], []
    validate = URLValidator(schemes=["http", "https"])
    for link in links:
        link = (link or "").strip()
        if not link:
            continue
        try:
            if len(link) > LINK_MAX_LENGTH:
                raise ValidationError("too long")
            validate(link)
        except ValidationError:
            errors.append(
                _("“%(link)s” is not a web address (http or https, at most %(max)d characters).")
                % {"link": link[:60], "max": LINK_MAX_LENGTH}
            )
            continue
        if link not in cleaned:
            cleaned.append(link)
    if len(cleaned) > LINKS_MAX:
        errors.append(_("At most %(max)d links.") % {"max": LINKS_MAX})
    if errors:
        raise Invalid(errors[0], code="links_invalid", errors={"links": errors})
    return cleaned


@transaction.atomic
def profile_update(
    *,
    user: User,
    username: str | None = None,
    bio: str | None = None,
    links: list[str] | None = None,
    locale: str | None = None,
) -> Profile:
    """Change what is given (None = leave as is)."""
    profile = Profile.objects.select_for_update().get(user=user)
    profile_fields, user_fields = [], []
    if username is not None and username.strip() != profile.username:
        profile.username = username_clean(username, user=user)
        profile_fields.append("username")
    if bio is not None:
        if len(bio) > BIO_MAX_LENGTH:
            message = _("At most %(max)d characters.") % {"max": BIO_MAX_LENGTH}
            raise Invalid(message, code="bio_too_long", errors={"bio": [message]})
        profile.bio = bio.strip()
        profile_fields.append("bio")
    if links is not None:
        profile.links = _links_clean(links)
        profile_fields.append("links")
    if locale is not None:
        user.locale = clean_locale(locale)
        user_fields.append("locale")
    if profile_fields:
        try:
            with transaction.atomic():
                profile.save(update_fields=profile_fields)
        except IntegrityError as exc:
            raise _username_taken() from exc
    if user_fields:
        user.save(update_fields=user_fields)
    user.profile = profile
    return profile


def profile_avatar_set(*, user: User, upload) -> Profile:
    """Replace the avatar with ``upload``, checked by content, cropped square and re-encoded."""
    content = reencode_image(upload, field="avatar", max_side=AVATAR_SIDE, square=True)
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(user=user)
        old = profile.avatar.name
        profile.avatar.save(content.name, content, save=True)
        if old:
            storage = profile.avatar.storage
            transaction.on_commit(lambda: storage.delete(old))
    user.profile = profile
    return profile


def profile_avatar_remove(*, user: User) -> Profile:
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(user=user)
        old = profile.avatar.name
        if old:
            profile.avatar = ""
            profile.save(update_fields=["avatar"])
            storage = profile.avatar.storage
            transaction.on_commit(lambda: storage.delete(old))
    user.profile = profile
    return profile
