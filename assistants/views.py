"""Pages and OAuth endpoints of the assistants app: the consent page, client
registration (RFC 7591), the metadata documents (RFC 8414, RFC 9728) and the
Settings page of connected assistants."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.views import AuthorizationView, OAuthServerMetadataView
from oauthlib.oauth2.rfc6749.errors import CustomOAuth2Error, InvalidRequestError

from core.errors import RateLimited, ServiceError
from core.ratelimit import client_ip

from . import selectors, services
from .oauth import is_our_resource, mcp_resource
from .scopes import SCOPE_LABELS, scope_labels


def _oauth_error(error: str, description: str, *, state: str | None, redirect_uri: str) -> OAuthToolkitError:
    return OAuthToolkitError(
        error=CustomOAuth2Error(error=error, description=description, state=state), redirect_uri=redirect_uri
    )


@method_decorator(never_cache, name="dispatch")
class ConsentView(AuthorizationView):
    """django-oauth-toolkit's authorization endpoint with Walks' page and two
    more rules: PKCE with S256 only, and tokens only for this MCP server (a
    missing ``resource`` means this one; any other is ``invalid_target``)."""

    template_name = "assistants/consent.html"

    def validate_authorization_request(self, request):
        scopes, credentials = super().validate_authorization_request(request)
        state, redirect_uri = credentials.get("state"), credentials["redirect_uri"]
        if credentials.get("code_challenge_method") != "S256":
            raise OAuthToolkitError(
                error=InvalidRequestError(
                    description='PKCE with code_challenge_method "S256" is required.', state=state
                ),
                redirect_uri=redirect_uri,
            )
        resources = request.GET.getlist("resource")
        if not resources:
            query = request.GET.copy()
            query.setlist("resource", [mcp_resource()])
            request.GET = query
        elif not all(is_our_resource(r) for r in resources):
            raise _oauth_error(
                "invalid_target",
                f"This server issues tokens only for {mcp_resource()}.",
                state=state,
                redirect_uri=redirect_uri,
            )
        return scopes, credentials

    def form_valid(self, form):
        # The hidden fields come back from the browser: hold them to the same rules.
        data = form.cleaned_data
        if data.get("code_challenge_method") != "S256" or not all(
            is_our_resource(r) for r in (data.get("resource") or mcp_resource()).split()
        ):
            form.add_error(None, _("This request was changed on its way. Start again from the assistant."))
            return self.form_invalid(form)
        return super().form_valid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["scope_labels"] = scope_labels(context.get("scopes") or [])
        redirect_uri = context.get("redirect_uri") or ""
        context["return_host"] = urlsplit(redirect_uri).hostname or ""
        return context

    def render_to_response(self, context, **response_kwargs):
        # The CSP's form-action also governs the redirect that answers the
        # consent form: let this page's form lead back to the client's
        # redirect URI (already checked against its registration), nowhere else.
        response = super().render_to_response(context, **response_kwargs)
        source = _form_action_source(context.get("redirect_uri") or "")
        if source:
            response._csp_update = {"form-action": [source]}
        return response


def _form_action_source(redirect_uri: str) -> str:
    """A CSP source for a redirect URI: its origin, or its scheme alone for a
    native app's own scheme (``cursor://...`` is ``cursor:``)."""
    parts = urlsplit(redirect_uri)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return f"{parts.scheme}:" if parts.scheme else ""


def _registration_error(exc: ServiceError) -> JsonResponse:
    if isinstance(exc, RateLimited):
        response = JsonResponse({"error": "rate_limited", "error_description": str(exc.detail)}, status=429)
        for key, value in exc.headers.items():
            response[key] = value
        return response
    code = exc.code if exc.code in {"invalid_redirect_uri", "invalid_client_metadata"} else "invalid_client_metadata"
    return JsonResponse({"error": code, "error_description": str(exc.detail)}, status=400)


@csrf_exempt  # an API called without cookies by assistants' servers
def register(request):
    """RFC 7591 dynamic client registration, open to any client (as MCP expects)."""
    if request.method != "POST":
        return JsonResponse({"error": "invalid_request", "error_description": "Use POST."}, status=405)
    try:
        metadata = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        metadata = None
    try:
        _application, reply = services.client_register(metadata=metadata, ip=client_ip(request))
    except ServiceError as exc:
        return _registration_error(exc)
    response = JsonResponse(reply, status=201)
    response["Cache-Control"] = "no-store"
    return response


class AuthServerMetadata(OAuthServerMetadataView):
    """RFC 8414, with what django-oauth-toolkit does not know: our registration
    endpoint, S256 only, public clients only, and the scopes we grant."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data.pop("introspection_endpoint", None)
        data.pop("introspection_endpoint_auth_methods_supported", None)
        data["registration_endpoint"] = settings.SITE_URL + reverse("oauth2_provider:register")
        data["code_challenge_methods_supported"] = ["S256"]
        data["scopes_supported"] = list(SCOPE_LABELS)
        data["service_documentation"] = settings.SITE_URL + reverse("assistants:connections")
        out = JsonResponse(data)
        out["Access-Control-Allow-Origin"] = "*"
        return out


# --- Settings: connected assistants ---------------------------------------------------------


@login_required
def connections(request):
    rows = selectors.user_connections(user_id=request.user.pk)
    for row in rows:
        row.scope_labels = scope_labels(row.scopes)
        uris = row.application.redirect_uris.split()
        row.host = (urlsplit(uris[0]).hostname or "") if uris else ""
    return render(request, "assistants/connections.html", {"connections": rows, "mcp_url": mcp_resource()})


@login_required
@require_POST
def disconnect(request, pk: int):
    ended = services.assistant_disconnect(user=request.user, application_id=pk)
    if ended:
        messages.success(request, _("Disconnected. The assistant can no longer use your account."))
    return redirect("assistants:connections")
