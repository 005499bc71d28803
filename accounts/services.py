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
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import import_module
from typing import Any, TypedDict

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, password_validation
from django.contrib.auth import login as django_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from kombu.exceptions import OperationalError as BrokerError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token
from rest_framework_simplejwt.utils import datetime_from_epoch

from core import broker, ratelimit
from core.cache import bump, cache_get
from core.errors import Conflict, Invalid, NotAuthenticated, RateLimited, ServiceError, Unavailable
from core.i18n import clean_locale, locale_or_default
from core.images import reencode_image
from core.mail import send_notice, send_required
from core.secrets import equals

from . import codes
from .cache import privacy_scope, token_family_revoked_key
from .models import (
    BIO_MAX_LENGTH,
    LINK_MAX_LENGTH,
    LINKS_MAX,
    PASSWORD_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    Profile,
    Theme,
    User,
    UsernameHistory,
    normalize_email,
    username_matches,
)

logger = logging.getLogger(__name__)

USERNAME_MIN_LENGTH = 3
USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]+$")
AVATAR_SIDE = 512
# JWT claim binding a token to the password it was issued under (see token_pair_issue).
PASSWORD_CLAIM = "pwv"
# JWT claim naming the refresh-token family a pair belongs to (see token_pair_issue).
FAMILY_CLAIM = "fam"


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
    taken = username_matches(Profile.objects, username)
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
    """Step 1 of a password restore. The request does the same work for every
    address: the limits, then one queued task with the address; the task
    (:func:`password_restore_send`) looks the account up and sends a code or
    nothing. Whether an account exists never changes the request's time or
    queries. 503 ``email_unavailable`` when the queue refuses the task."""
    from . import tasks

    email = normalize_email(email)
    _code_send_guard(email=email, ip=ip)

    def enqueue() -> None:
        try:
            broker.enqueue(tasks.password_restore_send, kwargs={"email": email})
        except (broker.BrokerUnavailable, BrokerError, OSError) as exc:
            logger.error("could not queue a password restore: %s", exc)
            codes.send_mark_release(email)
            raise Unavailable() from exc

    transaction.on_commit(enqueue, robust=False)


def password_restore_send(*, email: str) -> None:
    """The worker's half of a restore request: a code for an existing active
    account, nothing at all for an unknown address."""
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


def user_authenticate(*, email: str, password: str, ip: str | None) -> User:
    """Check e-mail and password, with failures limited per account and per IP.

    Every sign-in door comes here: the site's page, the API's token endpoint
    and, through ``accounts.backends.EmailBackend``, Django's own (the admin's
    login). Unknown e-mail, wrong password and inactive account get the same
    401 (``invalid_credentials``); over a limit, 429. ``ip`` None (a call with
    no request, e.g. ``Client.login``) is limited per account only.
    """
    from .backends import credentials_check

    email = normalize_email(email)
    if ip is not None:
        ratelimit.guard("signin-ip", ip)
    ratelimit.guard("signin-account", email)
    user = credentials_check(email=email, password=password)
    if user is None:
        if ip is not None:
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


def token_pair_issue(*, user: User, family: str | None = None) -> TokenPair:
    """A fresh access + refresh pair; ``access_expires_at`` is the access token's own ``exp``.

    Both carry the refresh-token family (``fam``): a sign-in starts one, each
    rotation stays in it. The refresh token's ``jti`` is ``<family>.<random>``
    so the family's rows in OutstandingToken can be found without a table of
    our own (see :func:`token_family_end`).
    """
    family = family or uuid.uuid4().hex
    refresh = RefreshToken()
    refresh[jwt_settings.USER_ID_CLAIM] = str(getattr(user, jwt_settings.USER_ID_FIELD))
    refresh[jwt_settings.JTI_CLAIM] = f"{family}.{uuid.uuid4().hex}"
    refresh[FAMILY_CLAIM] = family
    refresh[PASSWORD_CLAIM] = token_password_claim(user)
    OutstandingToken.objects.create(
        user=user,
        jti=refresh[jwt_settings.JTI_CLAIM],
        token=str(refresh),
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    access = refresh.access_token
    return {"access": str(access), "refresh": str(refresh), "access_expires_at": int(access["exp"])}


def token_family_revoked(family: str | None) -> bool:
    """Whether access tokens of ``family`` were signed out (one cache read per API
    call, or none when JWT authentication fetched it with the request's other reads)."""
    return bool(family) and bool(cache_get(token_family_revoked_key(str(family))))


def token_family_end(*, user: User, family: str | None, reuse: bool) -> None:
    """End a refresh-token family: every refresh token of it is blacklisted and
    its access tokens are refused until they expire (a mark in the cache, kept
    for the access lifetime). A token minted before families existed has
    none: on reuse, every refresh token of the user goes instead."""
    if family:
        alive = OutstandingToken.objects.filter(user=user, jti__startswith=f"{family}.").exclude(
            blacklistedtoken__isnull=False
        )
        BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in alive], ignore_conflicts=True)
        lifetime = int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds())
        cache.set(token_family_revoked_key(family), 1, timeout=lifetime + 60)
    elif reuse:
        user_revoke_refresh_tokens(user=user)
    if reuse:
        logger.warning("refresh token reused: token family of user #%s revoked", user.pk)


def _refresh_invalid() -> NotAuthenticated:
    return NotAuthenticated(
        _("The refresh token is invalid, expired or already used. Sign in again."), code="token_invalid"
    )


class _RefreshTokenAnyState(RefreshToken):
    """A refresh token checked for signature, type and expiry but not for the
    blacklist: the caller tells a first use from a reuse (which it punishes)."""

    def verify(self) -> None:
        Token.verify(self)


def _refresh_load(raw: str) -> tuple[RefreshToken, OutstandingToken]:
    try:
        token = _RefreshTokenAnyState(raw)
    except TokenError as exc:
        raise _refresh_invalid() from exc
    outstanding = (
        OutstandingToken.objects.select_related("user").filter(jti=token.get("jti")).first() if "jti" in token else None
    )
    if outstanding is None or outstanding.user is None:
        raise _refresh_invalid()
    return token, outstanding


def token_pair_refresh(*, refresh: str) -> TokenPair:
    """Rotate: blacklist ``refresh`` and issue a new pair in its family. A
    refresh token works once. A second use is reuse, the sign of a stolen
    token (or of a client that lost a reply): the whole family ends, so the
    thief's and the owner's tokens stop alike, and the owner signs in again.
    Either way 401 ``token_invalid``."""
    token, outstanding = _refresh_load(refresh)
    user = outstanding.user
    if not user.is_active or not token_password_claim_matches(token=token, user=user):
        raise _refresh_invalid()
    with transaction.atomic():
        _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
        if created:
            return token_pair_issue(user=user, family=token.get(FAMILY_CLAIM))
    with transaction.atomic():  # committed before the 401
        token_family_end(user=user, family=token.get(FAMILY_CLAIM), reuse=True)
    raise _refresh_invalid()


def token_refresh_revoke(*, refresh: str) -> None:
    """Sign out an API client: its refresh token stops working, and so do the
    access tokens of its family (at once, not after their 15 minutes). An
    already used refresh token is reuse (see :func:`token_pair_refresh`)."""
    token, outstanding = _refresh_load(refresh)
    with transaction.atomic():
        _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
        token_family_end(user=outstanding.user, family=token.get(FAMILY_CLAIM), reuse=not created)
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


def session_end(*, session_key: str) -> None:
    """End one browser session (from the cache too, not only the table)."""
    import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key).delete()


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
    is_private: bool | None = None,
) -> Profile:
    """Change what is given (None = leave as is). A changed username is kept
    in the person's former usernames, so their old profile URLs redirect."""
    profile = Profile.objects.select_for_update().get(user=user)
    profile_fields, user_fields = [], []
    if username is not None and username.strip() != profile.username:
        former = profile.username
        profile.username = username_clean(username, user=user)
        profile_fields.append("username")
        if former.lower() != profile.username.lower():
            UsernameHistory.objects.create(user=user, username=former)
    if is_private is not None and bool(is_private) != profile.is_private:
        profile.is_private = bool(is_private)
        profile_fields.append("is_private")
        # Lists of many people (a title's reviews and walks) show them differently now.
        transaction.on_commit(lambda: bump(privacy_scope()))
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
    ratelimit.check("image-upload-user", f"user:{user.pk}")  # decoding costs memory and CPU
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


@transaction.atomic
def profile_theme_set(*, user: User, theme: str) -> Profile:
    """The colour theme of the person's pages (system, light or dark)."""
    if theme not in Theme.values:
        raise Invalid(_("Choose a theme."), code="invalid_theme", errors={"theme": [_("Choose a theme.")]})
    profile = Profile.objects.select_for_update().get(user=user)
    if profile.theme != theme:
        profile.theme = theme
        profile.save(update_fields=["theme"])
    user.profile = profile
    return profile


# --- Leaving: deleting an account -----------------------------------------------------
# The account's own part. Walks, reviews, the watchlist, imports and the
# linked group belong to apps above this one: imports.services.account_delete
# deletes them through their own services first, then calls user_delete.


def account_delete_code_send(*, user: User, ip: str) -> None:
    """For an account without a usable password (made by the staff bot and
    never activated, for instance): e-mail a code that confirms the deletion."""
    _code_send_guard(email=user.email, ip=ip)
    _code_mail(
        purpose="delete",
        subject=user.email,
        email=user.email,
        template="accounts/account_delete_code",
        context={"email": user.email, "username": user.username},
        locale=user.locale,
        with_code=True,
    )


def account_delete_verify(*, user: User, password: str | None = None, code: str | None = None) -> None:
    """The confirmation of a deletion: the password, or the e-mailed code when
    the account has no usable password. Limited like sign-in failures."""
    if user.has_usable_password():
        if not password:
            message = _("Enter your password to confirm.")
            raise Invalid(message, code="password_required", errors={"password": [message]})
        _password_verify(user=user, password=password, field="password")
        return
    checked = codes.code_verify(purpose="delete", subject=user.email, code=str(code or ""))
    if not checked:
        raise _code_invalid(checked)
    if not codes.code_consume(checked):
        raise _code_invalid()


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account with its profile and avatar file, its refresh
    tokens (outstanding and blacklisted), its browser sessions and pending
    e-mail codes, and send a last e-mail. Access tokens die with the row:
    authentication finds no user."""
    email, locale, username, pk = user.email, user.locale, user.username, user.pk
    profile = Profile.objects.filter(user=user).first()
    avatar = profile.avatar.name if profile and profile.avatar else ""
    storage = profile.avatar.storage if profile else None
    user_end_sessions(user=user)
    OutstandingToken.objects.filter(user=user).delete()  # their blacklist rows go with them
    for purpose in ("signup", "restore", "delete"):
        codes.code_discard(purpose=purpose, subject=email)
    user.delete()
    if avatar and storage is not None:
        transaction.on_commit(lambda: storage.delete(avatar))
    send_notice(
        template="accounts/account_deleted", to=email, context={"email": email, "username": username}, locale=locale
    )
    logger.info("user #%s deleted their account", pk)
