"""Pages for linking. Each view parses the request, calls a service from
:mod:`linking.services` and renders or redirects; the rules live there."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ServiceError
from core.ratelimit import client_ip

from . import services
from .forms import OfferForm
from .serializers import SECRET_MAX_LENGTH

# The link being answered waits in the session (not in the URL) while the
# person signs in, so the secret appears in no further URL, history entry or log.
SESSION_SECRET = "linking:secret"
# The secret of a just-made offer, shown once by the panel and then dropped.
SESSION_NEW_OFFER = "linking:new_offer"
# The panel's form error, carried over the redirect back to the page it sits on.
SESSION_FORM = "linking:form"


def _no_store(response: HttpResponse) -> HttpResponse:
    """Pages about an offer are never stored by a browser or a proxy.

    Their URL carries no secret, so the site's ``same-origin`` referrer
    policy stays: with ``no-referrer`` Chromium sends ``Origin: null`` on the
    page's own form POSTs and Django's CSRF check refuses them.
    """
    response["Cache-Control"] = "no-store, max-age=0, private"
    return response


def _secret_url(response: HttpResponse) -> HttpResponse:
    """The answer to the URL that carries the secret: nothing stored, and the
    URL sent as a referrer nowhere, not even to the redirect's target."""
    response["Referrer-Policy"] = "no-referrer"
    return _no_store(response)


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _name(user) -> str:
    return user.profile.username


# --- The page reached by the link -------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    """``/link/?secret=...``: keep the secret in the session, drop it from the
    URL, make sure B is signed in, show the offer (``ack``) and answer it by POST."""
    if request.method == "GET" and "secret" in request.GET:
        secret = request.GET.get("secret", "").strip()[:SECRET_MAX_LENGTH]
        if secret:
            request.session[SESSION_SECRET] = secret
        return _secret_url(redirect("linking:confirm"))

    secret = request.session.get(SESSION_SECRET)
    if not secret:
        return _confirm_page(request, error=_("Open the link you were sent again."), status=400)
    if not request.user.is_authenticated:
        return _no_store(redirect_to_login(reverse("linking:confirm"), login_url=reverse("accounts:signin")))

    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("accept", "decline"):
            return _confirm_page(request, error=_("Choose Accept or Decline."), status=400)
        try:
            if action == "accept":
                offer = services.link_confirm(user=request.user, secret=secret)
                messages.success(
                    request,
                    _("Account %(name)s is now linked to yours. Switch to it from the account menu.")
                    % {"name": _name(offer.source_user)},
                )
            else:
                offer = services.link_decline(user=request.user, secret=secret)
                messages.info(request, _("You declined the offer from %(name)s.") % {"name": _name(offer.source_user)})
        except ServiceError as exc:
            return _confirm_error(request, exc)
        request.session.pop(SESSION_SECRET, None)
        return _no_store(redirect("home"))

    try:
        offer = services.link_offer_view(user=request.user, secret=secret)
    except ServiceError as exc:
        return _confirm_error(request, exc)
    return _confirm_page(request, offer=offer)


def _confirm_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    if exc.status in (404, 410):
        # This secret will never work for this session: forget it.
        request.session.pop(SESSION_SECRET, None)
    return _confirm_page(request, error=exc.detail, code=exc.code, status=exc.status)


def _confirm_page(request, *, offer=None, error=None, code=None, status=200) -> HttpResponse:
    context = {"offer": offer, "error": error, "code": code}
    return _no_store(render(request, "linking/confirm.html", context, status=status))


# --- Answering from the home page -----------------------------------------------------


@login_required
@require_POST
def offer_accept(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        offer = services.link_confirm(user=request.user, offer_id=pk)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            _("Account %(name)s is now linked to yours. Switch to it from the account menu.")
            % {"name": _name(offer.source_user)},
        )
    return redirect(_next_url(request, reverse("home")))


@login_required
@require_POST
def offer_decline(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        offer = services.link_decline(user=request.user, offer_id=pk)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.info(request, _("You declined the offer from %(name)s.") % {"name": _name(offer.source_user)})
    return redirect(_next_url(request, reverse("home")))


# --- Settings: the panel's own page and its forms -------------------------------------------


@never_cache
@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    return _no_store(render(request, "linking/settings.html"))


@login_required
@require_POST
def offer_create(request: HttpRequest) -> HttpResponse:
    back = _next_url(request, reverse("linking:settings"))
    form = OfferForm(request.POST)
    if not form.is_valid():
        request.session[SESSION_FORM] = {
            "email": request.POST.get("email", "")[:254],
            "error": " ".join(form.errors.get("email", [])) or _("Enter a valid e-mail address."),
        }
        return redirect(back)
    try:
        created = services.link_offer_create(user=request.user, email=form.cleaned_data["email"], ip=client_ip(request))
    except ServiceError as exc:
        request.session[SESSION_FORM] = {"email": form.cleaned_data["email"], "error": str(exc.detail)}
        return redirect(back)
    request.session[SESSION_NEW_OFFER] = {
        "id": created.offer.pk,
        "link": created.link,
        # What A typed, never the account's name: the reply is the same whether it exists.
        "email": created.offer.target_email,
        "expires_at": created.offer.expires_at.isoformat(),
    }
    return redirect(back)


@login_required
@require_POST
def offer_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.link_offer_cancel(user=request.user, offer_id=pk)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        messages.info(request, _("The link was withdrawn; it no longer works."))
    return redirect(_next_url(request, reverse("linking:settings")))


@login_required
@require_POST
def unlink(request: HttpRequest, pk: int) -> HttpResponse:
    """Take an account out of the group (``pk`` may be the caller: leave)."""
    try:
        left = services.group_leave(user=request.user, member_id=None if pk == request.user.pk else pk)
    except ServiceError as exc:
        messages.error(request, exc.detail)
    else:
        if left.pk == request.user.pk:
            messages.success(request, _("This account is no longer linked to other accounts."))
        else:
            messages.success(request, _("Account %(name)s is no longer linked to yours.") % {"name": _name(left)})
    return redirect(_next_url(request, reverse("linking:settings")))


# --- Switching ----------------------------------------------------------------------


@login_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    try:
        target_id = int(request.POST.get("user", ""))
    except ValueError:
        messages.error(request, _("Choose an account to switch to."))
        return redirect(_next_url(request, reverse("home")))
    try:
        target = services.account_switch_session(request=request, target_id=target_id, ip=client_ip(request))
    except ServiceError as exc:
        messages.error(request, exc.detail)
        return redirect(_next_url(request, reverse("home")))
    back = _next_url(request, reverse("home"))
    messages.success(request, _("You are now signed in as %(name)s.") % {"name": _name(target)})
    return redirect(back)
