"""The pages: the profile-edit page behind the e-mailed link, and the privacy page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
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


def _invalid_link(request, *, status: int = 410, detail: str | None = None):
    context = {"status": status, "detail": detail}
    return _private(render(request, "gptprofile/invalid.html", context, status=status))


def _use_language(request, code: str) -> None:
    translation.activate(code)
    request.LANGUAGE_CODE = code


# Not CSRF-protected, on purpose. With Referrer-Policy: no-referrer (the
# token is in the URL and must not leak to other sites)
# browsers send "Origin: null" on the form's POST, which Django's CSRF check
# rejects. The form needs no such protection: it only works with the link's
# token, a 256-bit secret that a cross-site attacker does not have, and the
# token (not the browser's session) decides which account changes.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    source = request.POST if request.method == "POST" else request.GET
    token = source.get("token", "")
    try:
        ratelimit.check("gpt-edit-ip", client_ip(request))
        profile = services.profile_edit_load(token=token)
    except RateLimited as exc:
        return _invalid_link(request, status=exc.status, detail=str(exc.detail))
    except Gone:
        return _invalid_link(request)
    # The page speaks the language of the account it edits, whoever opens it.
    _use_language(request, profile["locale"])

    form = ProfileEditForm(request.POST or None, initial={"token": token, "locale": profile["locale"]})
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
            return _invalid_link(request)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return _saved(request, result)

    context = {"form": form, "profile": profile, "lifetime_minutes": int(TOKEN_LIFETIME.total_seconds() // 60)}
    return _private(render(request, "gptprofile/edit.html", context, status=400 if form.errors else 200))


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
