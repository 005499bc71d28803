"""API authentication: JWT for the mobile client, the session for the browser,
service tokens for machines (only on the endpoints that accept them)."""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.permissions import BasePermission
from rest_framework_simplejwt import authentication as jwt_authentication
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from core.cache import prefetch

from .cache import token_family_revoked_key
from .models import ServiceToken
from .service_tokens import service_token_authenticate
from .user_cache import cached_user, cached_user_keys


class TokenExpired(exceptions.AuthenticationFailed):
    default_detail = _(
        "The access token has expired. Get a new pair at /api/v1/auth/token/update with your refresh token."
    )
    default_code = "token_expired"


class TokenInvalid(exceptions.AuthenticationFailed):
    default_detail = _("The access token is malformed or its signature is wrong. Sign in again.")
    default_code = "token_invalid"


class TokenRevoked(exceptions.AuthenticationFailed):
    default_detail = _("The password of this account was changed since this token was issued. Sign in again.")
    default_code = "token_revoked"


class TokenSignedOut(exceptions.AuthenticationFailed):
    default_detail = _("This session was signed out. Sign in again.")
    default_code = "token_revoked"


class JWTAuthentication(jwt_authentication.JWTAuthentication):
    """simplejwt, with one clear code for an expired token and another for a bad one.

    Access tokens issued by ``accounts.services.token_pair_issue`` carry a
    fingerprint of the password; after a password change or restore they get
    401 ``token_revoked`` at once instead of living out their 15 minutes; so
    do the access tokens of a refresh-token family that was signed out or
    reused (a mark in the cache, see ``accounts.services.token_family_end``).

    Once the token's signature and expiry are checked, the user's cache
    entry, the family's mark and (on a GET) what the same request of the same
    person read the last time are fetched in one round trip
    (``core.cache.prefetch``): a warm cached GET makes no other. The checks
    below are the same with or without it, on entries read in this request.
    """

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        raw = self.get_raw_token(header)
        if raw is None:
            return None
        if raw.decode(errors="replace").startswith(ServiceToken.PREFIX):
            return None  # a service token presented where only people may call
        token = self.get_validated_token(raw)
        self._prefetch(request, token)
        return self.get_user(token), None

    def _prefetch(self, request, token) -> None:
        from django.utils.translation import get_language

        from .services import FAMILY_CLAIM

        try:
            user_id = int(token.get(jwt_settings.USER_ID_CLAIM))
        except (TypeError, ValueError):
            return  # get_user refuses it
        keys = cached_user_keys(user_id)
        family = token.get(FAMILY_CLAIM)
        if family:
            keys.append(token_family_revoked_key(str(family)))
        plan = None
        if request.method in ("GET", "HEAD"):
            # What the answer's keys can depend on: core.cache.request_cache_key's parts and the caller.
            plan = (
                request.method,
                request.scheme,
                request.get_host(),
                get_language(),
                request.get_full_path(),
                user_id,
            )
        prefetch(keys, plan=plan)

    def get_validated_token(self, raw_token):
        try:
            return _access_token_class()(raw_token)
        except ExpiredTokenError as exc:
            raise TokenExpired() from exc
        except TokenError as exc:
            raise TokenInvalid() from exc

    def get_user(self, validated_token):
        from .services import FAMILY_CLAIM, token_family_revoked, token_password_claim_matches

        user = cached_user(validated_token.get(jwt_settings.USER_ID_CLAIM))
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(
                _("This account is inactive or no longer exists."), code="user_inactive"
            )
        if not token_password_claim_matches(token=validated_token, user=user):
            raise TokenRevoked()
        if token_family_revoked(validated_token.get(FAMILY_CLAIM)):
            raise TokenSignedOut()
        return user


# The claims of access tokens whose signature this process checked, by the
# token's exact bytes: a mobile client sends the same token for its 15
# minutes, and checking the same signature over the same bytes again can
# only give the same answer. Expiry (and the token's type and id) are checked
# on every request as before; the password, family and activity checks of
# get_user are not touched. Bounded; a lost entry costs one check.
VERIFIED_TOKENS = 1024
_verified: OrderedDict[tuple, dict] = OrderedDict()
_verified_lock = threading.Lock()


class _VerifiedOnce:
    """simplejwt's token backend, remembering the tokens it verified."""

    def __init__(self, backend):
        self.backend = backend

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def decode(self, token, verify: bool = True) -> dict:
        if not verify:
            return self.backend.decode(token, verify=False)
        # The key and algorithm are part of the memo's key: settings changed
        # in a test (or a reload) never accept a token checked with others.
        key = (self.backend.algorithm, self.backend.signing_key, token)
        with _verified_lock:
            payload = _verified.get(key)
        exp = payload.get("exp") if payload is not None else None
        if isinstance(exp, int | float) and exp > time.time() - self.backend.get_leeway().total_seconds():
            return dict(payload)
        payload = self.backend.decode(token, verify=True)  # raises on a bad signature or an expired token
        with _verified_lock:
            _verified[key] = dict(payload)
            while len(_verified) > VERIFIED_TOKENS:
                _verified.popitem(last=False)
        return payload


def _backend():
    from rest_framework_simplejwt.state import token_backend

    wrapped = getattr(_backend, "cached", None)
    if wrapped is None or wrapped.backend is not token_backend:
        wrapped = _backend.cached = _VerifiedOnce(token_backend)
    return wrapped


@functools.cache
def _access_token_class():
    # Imported at first use, as before: simplejwt's tokens module reads the settings.
    from rest_framework_simplejwt.tokens import AccessToken

    class VerifiedOnceAccessToken(AccessToken):
        def get_token_backend(self):
            return _backend()

    return VerifiedOnceAccessToken


class SessionAuthentication(authentication.SessionAuthentication):
    """The browser's session, with CSRF enforced for unsafe methods."""


class ServiceTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer wlk_...`` for machine clients.

    The request stays anonymous (``request.user``); the token is
    ``request.auth``. Use :class:`HasServiceScope` to require a scope.
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword or not parts[1].startswith(ServiceToken.PREFIX):
            return None
        token = service_token_authenticate(parts[1])
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("The service token is invalid or revoked."), code="invalid_service_token"
            )
        return AnonymousUser(), token

    def authenticate_header(self, request):
        return self.keyword


def HasServiceScope(scope: str) -> type[BasePermission]:
    """Permission: the request carries an active service token with ``scope``."""

    class _HasServiceScope(BasePermission):
        message = _("This endpoint needs a service token with the '%(scope)s' scope.") % {"scope": scope}

        def has_permission(self, request, view):
            return isinstance(request.auth, ServiceToken) and request.auth.has_scope(scope)

    _HasServiceScope.__name__ = f"HasServiceScope_{scope}"
    return _HasServiceScope
