"""The second-factor pages: Settings → Two-factor authentication, and the
code step of signing in (also the step before the admin for staff)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from core.errors import ServiceError
from core.ratelimit import client_ip

from . import mfa
from .mfa_forms import MfaCodeForm, MfaEnrolForm, MfaSecretForm
from .views import _posted, _safe_next, _with_language

MFA_NEXT = "accounts:mfa_next"


# --- The code step of signing in ---------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def code(request):
    """After the password (a pending sign-in) or, signed in, before the admin."""
    pending = None if request.user.is_authenticated else mfa.sign_in_pending(request)
    if pending is None:
        if not request.user.is_authenticated:
            messages.info(request, _("Your sign-in timed out. Enter your e-mail and password again."))
            return redirect("accounts:signin")
        next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next")) or reverse(
            settings.LOGIN_REDIRECT_URL
        )
        if not mfa.mfa_enabled(request.user) or mfa.session_verified(request):
            return redirect(next_url)
    else:
        next_url = _safe_next(request, pending[1]) or reverse(settings.LOGIN_REDIRECT_URL)
    form = MfaCodeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            if pending is not None:
                user = pending[0]
                mfa.sign_in_pending_finish(
                    request=request, user=user, code=form.cleaned_data["code"], ip=client_ip(request)
                )
            else:
                user = request.user
                mfa.session_verify(request=request, code=form.cleaned_data["code"], ip=client_ip(request))
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            translation.activate(user.locale)
            return _with_language(redirect(next_url), user.locale)
    context = {"form": form, "pending": pending is not None, "next": None if pending else next_url}
    return render(request, "accounts/mfa/code.html", context, status=400 if form.is_bound else 200)


# --- Settings → Two-factor authentication ---------------------------------------------------------------


def _settings_page(request, *, regenerate_form=None, disable_form=None, status=200):
    user = request.user
    context = {
        "enabled": mfa.mfa_enabled(user),
        "codes_left": mfa.recovery_codes_left(user),
        "regenerate_form": regenerate_form or MfaSecretForm(prefix="regenerate"),
        "disable_form": disable_form or MfaSecretForm(prefix="disable"),
    }
    return render(request, "accounts/mfa/settings.html", context, status=status)


def _codes_page(request, codes: list[str]):
    return render(
        request, "accounts/mfa/recovery_codes.html", {"codes": codes, "next": request.session.pop(MFA_NEXT, None)}
    )


@never_cache
@login_required
@require_http_methods(["GET"])
def settings_page(request):
    if nxt := _safe_next(request, request.GET.get("next")):
        request.session[MFA_NEXT] = nxt
    return _settings_page(request)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    """GET: the QR code and secret of the set-up in progress. POST ``start``: a new
    secret; POST ``code``: confirm it, then the recovery codes, shown once."""
    if request.method == "POST" and "start" in request.POST:
        mfa.mfa_enrol_start(user=request.user)
        return redirect("accounts:mfa_enrol")
    device = mfa.totp_device(request.user, confirmed=False)
    if device is None:
        return redirect("accounts:mfa")
    form = MfaEnrolForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.mfa_enrol_confirm(
                user=request.user, code=form.cleaned_data["code"], ip=client_ip(request), request=request
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Two-factor authentication is on."))
            return _codes_page(request, codes)
    context = {"form": form, "secret": mfa.totp_secret(device), "account": request.user.email}
    return render(request, "accounts/mfa/enrol.html", context, status=400 if form.is_bound else 200)


@never_cache
@login_required
@require_http_methods(["GET"])
def qr(request):
    """The pending set-up's QR code as an image (a file, so no inline content on the page)."""
    device = mfa.totp_device(request.user, confirmed=False)
    if device is None:
        return HttpResponse(status=404)
    return HttpResponse(mfa.totp_qr_svg(device), content_type="image/svg+xml")


@never_cache
@login_required
@sensitive_post_parameters("regenerate-secret", "disable-secret")
@require_http_methods(["POST"])
def recovery_codes(request):
    form = MfaSecretForm(request.POST, prefix="regenerate")
    if form.is_valid():
        try:
            codes = mfa.recovery_codes_regenerate(
                user=request.user, secret=form.cleaned_data["secret"], ip=client_ip(request)
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("New recovery codes are ready; the old ones no longer work."))
            return _codes_page(request, codes)
    return _settings_page(request, regenerate_form=form, status=400)


@never_cache
@login_required
@sensitive_post_parameters("regenerate-secret", "disable-secret")
@require_http_methods(["POST"])
def disable(request):
    form = MfaSecretForm(request.POST, prefix="disable")
    if form.is_valid():
        try:
            mfa.mfa_disable(user=request.user, secret=form.cleaned_data["secret"], ip=client_ip(request))
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:mfa")
    return _settings_page(request, disable_form=form, status=400)
