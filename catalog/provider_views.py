"""The page door to the metadata providers: the block under a search on the
titles page, adding from it, and the curator's provider page of a title."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ServiceError
from core.forms import add_service_error
from core.ratelimit import client_ip

from . import provider_services, selectors
from .models import ExternalId, Provider, TitleType
from .permissions import can_curate
from .providers import providers_for

# A search that finds fewer local titles than this offers the provider's.
FEW_LOCAL_RESULTS = 5


def _language(request) -> str:
    return getattr(request, "LANGUAGE_CODE", None) or "en"


def _search_url(type_: str, query: str, *, remote: bool) -> str:
    params = {"type": type_, "q": query, **({"remote": "1"} if remote else {})}
    return f"{reverse('catalog:titles')}?{urlencode(params)}#provider"


def provider_block(request, *, type_: str, search: str, local_count: int) -> str:
    """Under a search with few local results: an offer to search the
    provider of the type, or (once asked, ``remote=1``) its results. A
    provider down or slow makes this block say so; the page still answers."""
    if not search or local_count >= FEW_LOCAL_RESULTS:
        return ""
    adapters = providers_for(type_)
    if not adapters:
        return ""
    adapter = adapters[0]
    context = {
        "provider": adapter,
        "search": search,
        "type": type_,
        "search_url": _search_url(type_, search, remote=True),
        "asked": request.GET.get("remote") == "1",
        "results": None,
        "error": None,
        "next": _search_url(type_, search, remote=True),
    }
    if context["asked"]:
        ident = f"user:{request.user.pk}" if request.user.is_authenticated else f"ip:{client_ip(request)}"
        try:
            found = provider_services.provider_results(
                type=type_, query=search, ident=ident, language=_language(request), provider=adapter.name
            )
        except ServiceError as exc:
            context["error"] = exc
        else:
            context["results"] = found["results"]
    return render_to_string("catalog/_provider_block.html", context, request=request)


@login_required
@require_POST
def title_add_from_provider(request):
    provider = request.POST.get("provider", "")
    external_id = request.POST.get("external_id", "")
    type_ = request.POST.get("type", "")
    query = request.POST.get("q", "")
    try:
        title, created = provider_services.title_add_from_provider(
            actor=request.user, provider=provider, external_id=external_id, language=_language(request)
        )
    except ServiceError as exc:
        messages.error(request, str(exc.detail))
        if type_ in TitleType.values and query:
            return redirect(_search_url(type_, query[:100], remote=True))
        return redirect("catalog:titles")
    if created:
        messages.success(request, _("“%(name)s” was added to the catalogue.") % {"name": title.name})
    else:
        messages.info(request, _("“%(name)s” is in the catalogue already.") % {"name": title.name})
    return redirect("catalog:title", pk=title.pk)


class LinkForm(forms.Form):
    provider = forms.ChoiceField(label=gettext_lazy("Provider"), choices=Provider.choices)
    external_id = forms.CharField(
        label=gettext_lazy("Id at the provider"),
        max_length=64,
        help_text=gettext_lazy('TMDB: "movie/603" or "tv/1396"; IGDB, AniList, MyAnimeList: the number; IMDb: "tt…".'),
    )


@login_required
@require_http_methods(["GET", "POST"])
def title_provider(request, pk: int):
    """A curator's page: the title's ids, link it to a provider id, refresh it from its provider."""
    if not can_curate(request.user, "change", fresh=True):
        raise PermissionDenied
    try:
        title = selectors.title_get(pk=pk)
    except ServiceError:
        raise Http404 from None
    action = request.POST.get("action")
    form = LinkForm(request.POST if action == "link" else None)
    if request.method == "POST":
        try:
            if action == "refresh":
                provider_services.title_refresh_from_provider(
                    actor=request.user, title=title, language=_language(request)
                )
                messages.success(request, _("Refreshed from the provider."))
                return redirect("catalog:title", pk=title.pk)
            if action == "unlink":
                provider_services.title_unlink_provider(
                    actor=request.user, title=title, provider=request.POST.get("provider", "")
                )
                messages.success(request, _("Unlinked."))
                return redirect("catalog:title_provider", pk=title.pk)
            if action == "link" and form.is_valid():
                provider_services.title_link_provider(
                    actor=request.user, title=title, language=_language(request), **form.cleaned_data
                )
                messages.success(request, _("Linked."))
                return redirect("catalog:title_provider", pk=title.pk)
        except ServiceError as exc:
            if action == "link":
                add_service_error(form, exc)
            else:
                messages.error(request, str(exc.detail))
                return redirect("catalog:title_provider", pk=title.pk)
    ids = ExternalId.objects.filter(title=title).order_by("provider")
    return render(
        request,
        "catalog/title_provider.html",
        {
            "title": title,
            "ids": ids,
            "form": form,
            "can_refresh": any(i.provider in provider_services.PRIMARY for i in ids),
        },
    )
