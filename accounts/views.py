"""Account pages: parse a form, call the same service as the API, render or redirect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from core.context_processors import THEME_COOKIE
from core.errors import ServiceError
from core.forms import mark_upload_too_large, show_error
from core.ratelimit import client_ip

from . import forms, mfa, services
from .models import Theme, normalize_email

SIGNUP_EMAIL = "accounts:signup_email"
RESTORE_EMAIL = "accounts:restore_email"
CHANGE_EMAIL = "accounts:change_email"
NEXT = "accounts:next"


def _posted(request):
    """The form data of a POST (even an empty one, so it shows its errors), else None."""
    return request.POST if request.method == "POST" else None


def _safe_next(request, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _next_url(request) -> str:
    return (
        _safe_next(request, request.POST.get("next") or request.GET.get("next"))
        or _safe_next(request, request.session.get(NEXT))
        or reverse(settings.LOGIN_REDIRECT_URL)
    )


def _with_language(response, locale: str):
    """Remember the account's language in the cookie too, so the site keeps
    speaking it after sign-out."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        locale,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def _sign_in(request, user, *, next_url: str):
    services.user_sign_in_session(request=request, user=user)
    translation.activate(user.locale)
    return _with_language(HttpResponseRedirect(next_url), user.locale)


# --- Sign up -----------------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request):
    """Step 1: the e-mail address."""
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = forms.EmailForm(_posted(request), initial={"email": request.session.get(SIGNUP_EMAIL, "")})
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            services.signup_code_send(email=email, ip=client_ip(request), locale=translation.get_language())
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            request.session[SIGNUP_EMAIL] = normalize_email(email)
            if nxt := _safe_next(request, request.POST.get("next")):
                request.session[NEXT] = nxt
            messages.info(
                request, _("We sent a message to %(email)s. Enter the code from it below.") % {"email": email}
            )
            return redirect("accounts:signup_confirm")
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request, request.GET.get("next"))})


@never_cache
@sensitive_post_parameters("password", "code")
@require_http_methods(["GET", "POST"])
def signup_confirm(request):
    """Step 2: the code, a username and a password."""
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    email = request.session.get(SIGNUP_EMAIL)
    if not email:
        return redirect("accounts:signup")
    form = forms.SignUpConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_sign_up(email=email, locale=translation.get_language(), **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            next_url = _next_url(request)
            request.session.pop(SIGNUP_EMAIL, None)
            request.session.pop(NEXT, None)
            response = _sign_in(request, user, next_url=next_url)
            messages.success(request, _("Welcome to Walks, %(name)s!") % {"name": user.username})
            return response
    return render(request, "accounts/signup_confirm.html", {"form": form, "email": email})


# --- Sign in / out -------------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def signin(request):
    next_param = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return redirect(next_param or reverse(settings.LOGIN_REDIRECT_URL))
    form = forms.SignInForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_authenticate(ip=client_ip(request), **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            next_url = next_param or reverse(settings.LOGIN_REDIRECT_URL)
            if mfa.mfa_enabled(user):  # not signed in yet: the code page finishes it
                mfa.sign_in_pending_start(request=request, user=user, next_url=next_url)
                return redirect("accounts:mfa_code")
            return _sign_in(request, user, next_url=next_url)
    return render(request, "accounts/signin.html", {"form": form, "next": next_param})


@never_cache
@require_http_methods(["GET", "POST"])
def signout(request):
    if request.method == "POST":
        # A page that asks to sign out first (staff activation) brings the person back to it.
        back = _safe_next(request, request.POST.get("next"))
        logout(request)
        messages.info(request, _("You have signed out."))
        return redirect(back or settings.LOGOUT_REDIRECT_URL)
    if not request.user.is_authenticated:
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "accounts/signout.html")


# --- Password restore ---------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def password_restore(request):
    form = forms.EmailForm(_posted(request), initial={"email": request.GET.get("email", "")[:254]})
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            services.password_restore_request(email=email, ip=client_ip(request))
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            request.session[RESTORE_EMAIL] = normalize_email(email)
            messages.info(
                request,
                _("If an account uses %(email)s, we sent it a code. Enter it below with your new password.")
                % {"email": email},
            )
            return redirect("accounts:password_restore_confirm")
    return render(request, "accounts/password_restore.html", {"form": form})


@never_cache
@sensitive_post_parameters("new_password", "new_password2", "code")
@require_http_methods(["GET", "POST"])
def password_restore_confirm(request):
    email = request.session.get(RESTORE_EMAIL)
    if not email:
        return redirect("accounts:password_restore")
    form = forms.PasswordRestoreConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.password_restore_confirm(
                email=email, code=form.cleaned_data["code"], new_password=form.cleaned_data["new_password"]
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            if request.user.is_authenticated:
                logout(request)  # the session of whoever was signed in here is stale now
            messages.success(request, _("Your password has been changed. Sign in with the new one."))
            return redirect(reverse("accounts:signin"))
    return render(request, "accounts/password_restore_confirm.html", {"form": form, "email": email})


# --- Settings ---------------------------------------------------------------------------------------------


def _profile_initial(user) -> dict:
    return {
        "username": user.profile.username,
        "bio": user.profile.bio,
        "links": "\n".join(user.profile.links or []),
        "locale": user.locale,
    }


AVATAR_ERROR = "accounts:avatar_error"


def _settings_page(request, *, profile_form=None, avatar_form=None, status=200):
    user = request.user
    if avatar_form is None:
        avatar_form = forms.AvatarForm()
        # A refused upload came back here by a redirect, its error with it.
        mark_upload_too_large(request, avatar_form, "avatar")
        error = request.session.pop(AVATAR_ERROR, None)
        if isinstance(error, str) and error:
            show_error(avatar_form, "avatar", error)
    context = {
        "profile_form": profile_form or forms.ProfileForm(initial=_profile_initial(user)),
        "avatar_form": avatar_form,
        "mfa_enabled": mfa.mfa_enabled(user),
    }
    return render(request, "accounts/settings.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request):
    if request.method == "GET":
        return _settings_page(request)
    form = forms.ProfileForm(request.POST)
    if form.is_valid():
        try:
            services.profile_update(
                user=request.user,
                username=form.cleaned_data["username"],
                bio=form.cleaned_data["bio"],
                links=form.cleaned_links(),
                locale=form.cleaned_data["locale"],
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            translation.activate(request.user.locale)
            messages.success(request, _("Your profile has been saved."))
            return _with_language(redirect("accounts:settings"), request.user.locale)
    return _settings_page(request, profile_form=form, status=400)


@login_required
@require_http_methods(["POST"])
def avatar(request):
    if request.POST.get("remove"):
        services.profile_avatar_remove(user=request.user)
        messages.success(request, _("Your avatar has been removed."))
        return redirect("accounts:settings")
    form = forms.AvatarForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.profile_avatar_set(user=request.user, upload=form.cleaned_data["avatar"])
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Your new avatar is in place."))
            return redirect("accounts:settings")
    # Back to the settings page (a URL that answers GET), the error with it.
    request.session[AVATAR_ERROR] = " ".join(str(e) for errors in form.errors.values() for e in errors)[:500]
    return redirect(reverse("accounts:settings") + "#avatar")


@never_cache
@login_required
@sensitive_post_parameters("current_password", "new_password", "new_password2")
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = forms.PasswordChangeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.user_password_change(
                user=request.user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
                request=request,
            )
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Your password has been changed. Other devices have been signed out."))
            return redirect("accounts:settings")
    return render(request, "accounts/password_change.html", {"form": form})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def email_change(request):
    form = forms.EmailChangeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        try:
            services.email_change_request(user=request.user, email=email, ip=client_ip(request))
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            request.session[CHANGE_EMAIL] = normalize_email(email)
            messages.info(
                request, _("We sent a message to %(email)s. Enter the code from it below.") % {"email": email}
            )
            return redirect("accounts:email_change_confirm")
    return render(request, "accounts/email_change.html", {"form": form})


@never_cache
@login_required
@sensitive_post_parameters("password", "code")
@require_http_methods(["GET", "POST"])
def email_change_confirm(request):
    email = request.session.get(CHANGE_EMAIL)
    if not email:
        return redirect("accounts:email_change")
    form = forms.EmailChangeConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.user_email_change(user=request.user, email=email, **form.cleaned_data)
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            request.session.pop(CHANGE_EMAIL, None)
            messages.success(request, _("Your e-mail is now %(email)s.") % {"email": email})
            return redirect("accounts:settings")
    return render(request, "accounts/email_change_confirm.html", {"form": form, "email": email})


# --- Theme --------------------------------------------------------------------------------------------------


@require_http_methods(["POST"])
def theme(request):
    """The menu's theme switch: the person's profile keeps it, a visitor's cookie does."""
    choice = request.POST.get("theme", "")
    response = HttpResponseRedirect(_safe_next(request, request.POST.get("next")) or reverse("home"))
    if choice not in Theme.values:
        return response
    if request.user.is_authenticated:
        services.profile_theme_set(user=request.user, theme=choice)
    else:
        response.set_cookie(
            THEME_COOKIE, choice, max_age=365 * 24 * 3600, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE
        )
    return response
