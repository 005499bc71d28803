"""The pages: the profile-edit page behind the e-mailed link, and the privacy page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods

from core import ratelimit
from core.errors import Gone, RateLimited, ServiceError
from core.forms import add_service_error
from core.i18n import is_supported_locale
from core.ratelimit import client_ip

from . import services
from .forms import ProfileEditForm
from .models import TOKEN_LIFETIME


def _private(response, *, carries_token: bool = True):
    """Pages about a link: never cached, never indexed, and those whose address
    carries the token never send it on as a referrer."""
    add_never_cache_headers(response)  # Cache-Control: ..., no-store, private
    if carries_token:
        response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _invalid_link(request, *, status: int = 410, detail: str | None = None, missing: bool = False):
    context = {"status": status, "detail": detail, "missing": missing}
    return _private(render(request, "gptprofile/invalid.html", context, status=status))


def _use_language(request, code: str) -> None:
    translation.activate(code)
    request.LANGUAGE_CODE = code


# The token of the e-mailed link lives in the session once the link is opened.
SESSION_TOKEN = "gptprofile:token"


@require_http_methods(["GET", "POST"])
def profile_edit(request):
    """``/profile/edit/?token=...`` trades the e-mailed token for a fresh one
    kept in the session (services.edit_token_exchange) and redirects to the
    bare address, so the token that access logs and history saw is dead, and
    no later URL carries one. The page and its POST then work from the
    session, behind Django's CSRF check like every other form. (Clients of the
    JSON load/save API send the token in the body instead.)"""
    try:
        ratelimit.check("gpt-edit-ip", client_ip(request))
        if request.method == "GET" and "token" in request.GET:
            try:
                request.session[SESSION_TOKEN] = services.edit_token_exchange(token=request.GET.get("token", ""))
            except Gone:
                if not request.session.get(SESSION_TOKEN):
                    raise
                # The same browser opening the link again: its session holds the link.
            return _private(redirect("gptprofile:edit"))
        token = request.session.get(SESSION_TOKEN, "")
        if not token and request.method == "GET":
            # Never given a link (a bookmark, a typed address): say how to get
            # one rather than that it "no longer works".
            return _invalid_link(request, status=200, missing=True)
        profile = services.profile_edit_load(token=token)
    except RateLimited as exc:
        return _invalid_link(request, status=exc.status, detail=str(exc.detail))
    except Gone:
        request.session.pop(SESSION_TOKEN, None)
        return _invalid_link(request)
    # The page speaks the language of the account it edits, whoever opens it.
    _use_language(request, profile["locale"])

    form = ProfileEditForm(request.POST or None, initial={"locale": profile["locale"]})
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            result = services.profile_edit_save(
                token=token,
                # The selector always sends a language; only a different one is a change.
                locale=values["locale"] if values["locale"] != profile["locale"] else None,
                passphrase=values["passphrase"] or None,
                passphrase_confirm=values["passphrase_confirm"] if values["passphrase"] else None,
            )
        except Gone:
            request.session.pop(SESSION_TOKEN, None)
            return _invalid_link(request)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            request.session.pop(SESSION_TOKEN, None)
            return _saved(request, result)

    context = {"form": form, "profile": profile, "lifetime_minutes": int(TOKEN_LIFETIME.total_seconds() // 60)}
    page = render(request, "gptprofile/edit.html", context, status=400 if form.errors else 200)
    return _private(page, carries_token=False)


def _saved(request, result: services.EditResult):
    user = result.user
    if result.passphrase_changed and request.user.is_authenticated and request.user.pk == user.pk:
        # Other sessions end with the old passphrase; this browser stays signed in.
        update_session_auth_hash(request, user)
    query = urlencode(
        {"lang": user.locale, "locale": int(result.locale_changed), "passphrase": int(result.passphrase_changed)}
    )
    response = redirect(f"{reverse('gptprofile:done')}?{query}")
    if result.locale_changed:
        # Pages before signing in (the sign-in page itself) follow the new choice too.
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.locale,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return _private(response)


@require_GET
def profile_edit_done(request):
    lang = request.GET.get("lang", "")
    if is_supported_locale(lang):
        _use_language(request, lang)
    context = {
        "locale_changed": request.GET.get("locale") == "1",
        "passphrase_changed": request.GET.get("passphrase") == "1",
        "language_name": translation.get_language_info(translation.get_language())["name_local"],
    }
    # No token in this address, so the usual referrer policy applies and the
    # layout's own forms (sign out, language) pass Django's origin check.
    return _private(render(request, "gptprofile/done.html", context), carries_token=False)


@require_GET
def privacy(request):
    contact = settings.PRIVACY_CONTACT_EMAIL or next((email for _name, email in settings.ADMINS), "")
    context = {
        "contact_email": contact,
        "lifetime_minutes": int(TOKEN_LIFETIME.total_seconds() // 60),
        "retention_days": services.TOKEN_RETENTION.days,
        "links_per_quarter": ratelimit.limit("gpt-init-user").limit,
    }
    return render(request, "gptprofile/privacy.html", context)
