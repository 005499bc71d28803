from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import override as translation_override
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from accounts.cache import privacy_scope, user_scope
from core.cache import cached_html
from core.errors import ServiceError
from core.forms import add_service_error, mark_upload_too_large
from core.i18n import is_supported_locale
from core.pagination import page_for
from core.visitor_cache import cached_page
from linking.templatetags.linking_tags import layout_holes
from reviews.cache import title_reviews_scope, user_reviews_scope
from reviews.forms import ReviewForm, draft_form, has_draft
from reviews.selectors import TITLE_REVIEW_ORDERINGS, title_rating_histogram, title_reviews
from walks.cache import title_walks_scope, user_walks_scope, user_watchlist_scope
from walks.labels import state_choices
from walks.models import WalkState
from walks.selectors import title_walks, watchlist_has

from . import cache, selectors, services
from .cache import title_list_scope, title_scope
from .covers import placeholder_svg
from .forms import CoverForm, TitleForm
from .models import TitleType
from .permissions import can_curate
from .provider_views import provider_block
from .title_page import title_with_mine

# The reviews and walks of a title page are dropped by every write of theirs;
# the people's names and avatars they show may lag this long.
ACTIVITY_CACHE_SECONDS = 60

SORTS = [
    ("id", gettext_lazy("Catalogue order")),
    ("-release_year", gettext_lazy("Newest first")),
    ("release_year", gettext_lazy("Oldest first")),
    ("-rating", gettext_lazy("Highest rated")),
    ("rating", gettext_lazy("Lowest rated")),
]


# A whole title or titles page for one visitor (core.visitor_cache), kept
# until the visitor, the rows it shows or the visitor's own walk, review or
# watchlist entry change. What its fragments may lag (a list's ratings,
# the reviewers' names) it may lag this much longer.
PAGE_CACHE_SECONDS = 30


def _visitor_scopes(request) -> tuple[str, ...]:
    """The scopes of the signed-in visitor's own rows a page shows: the
    layout's (name, avatar, theme, language, curator buttons)."""
    return (user_scope(request.user.pk),) if request.user.is_authenticated else ()


@require_GET
def titles(request):
    # A search shows the providers' block and counts that are kept on their
    # own terms: such pages are drawn each time around their cached results.
    if request.GET.get("q", "").strip():
        return _titles(request, {})
    type_ = request.GET.get("type") if request.GET.get("type") in TitleType.values else TitleType.GAME
    return cached_page(
        request,
        scopes=(*_visitor_scopes(request), title_list_scope(type_)),
        render=lambda extra: _titles(request, extra),
        timeout=PAGE_CACHE_SECONDS,
        holes=layout_holes(request),
    )


def _titles(request, extra: dict):
    # Parameters from a hand-edited URL that mean nothing are ignored: the page stays.
    type_ = request.GET.get("type") or TitleType.GAME
    if type_ not in TitleType.values:
        type_ = TitleType.GAME
    sort = request.GET.get("sort") or "id"
    if sort not in dict(SORTS):
        sort = "id"
    search = request.GET.get("q", "")[: selectors.SEARCH_MAX_LENGTH].replace("\x00", "")
    queryset = selectors.title_list(type=type_, search=search, ordering=sort)
    context = {
        "type": type_,
        "search": search.strip(),
        "sort": sort,
        "sorts": [(key, str(label)) for key, label in SORTS],
    }
    # Each tab keeps the search and the sort, and says how many titles of its
    # type match, so a search on the wrong type points at the right one.
    tab_query = {"q": context["search"]} if context["search"] else {}
    if sort != "id":
        tab_query["sort"] = sort
    tabs = []
    for t in TitleType.values:
        count = None
        if context["search"]:
            count = selectors.title_count(
                type=t, search=search, queryset=queryset if t == type_ else selectors.title_list(type=t, search=search)
            )
        tabs.append({"type": t, "query": urlencode({"type": t, **tab_query}), "count": count})
    context["tabs"] = tabs

    def results() -> str:
        page = page_for(
            request,
            queryset,
            per_page=24,
            count=lambda: selectors.title_count(type=type_, search=search, queryset=queryset),
        )
        return render_to_string("catalog/_titles_results.html", {**context, "page": page}, request=request)

    # The same for everyone (see TITLE_LIST_CACHE_SECONDS); the
    # page around it shows who is signed in.
    scope = title_list_scope(type_)
    html = cached_html(scope, request, results, timeout=cache.TITLE_LIST_CACHE_SECONDS)
    # Few local titles for a search: offer the provider's (never cached here; its own answers are).
    block = ""
    if context["search"]:
        local = selectors.title_count(type=type_, search=search, queryset=queryset)
        block = provider_block(request, type_=type_, search=context["search"], local_count=local)
    return render(request, "catalog/titles.html", {**context, "results": html, "provider_block": block, **extra})


def title_page_context(request, title, walk, review, *, review_form=None) -> dict:
    """Everything the title page shows; also used to re-show it with a form's errors."""
    review_order = request.GET.get("reviews") or "-updated_at"
    if review_order not in TITLE_REVIEW_ORDERINGS:
        review_order = "-updated_at"
    walk_state = request.GET.get("state") or ""
    if walk_state not in WalkState.values:
        walk_state = ""
    if review_form is None and request.user.is_authenticated:
        review_form = draft_form(request, title_id=title.pk)
    if review_form is None:
        # A new review has no rating until the person picks one.
        initial = {"rating": review.rating, "text": review.text} if review else {}
        review_form = ReviewForm(initial=initial)

    # The watchlist toggle beside the walk selector (a title not started yet).
    on_watchlist = bool(
        request.user.is_authenticated and walk is None and watchlist_has(user_id=request.user.pk, title_id=title.pk)
    )

    def activity() -> str:
        """The title's reviews and walks: the same for everyone who asks for
        the same page of them, so cached until one of them changes."""
        return render_to_string(
            "catalog/_title_activity.html",
            {
                "title": title,
                "states": state_choices(title.type),
                # The title's number of ratings is its number of reviews (one
                # rating each), kept by the recompute that follows every
                # review write: no COUNT on each view. It lags a review by
                # that recompute, as the score beside it does.
                "reviews_page": page_for(
                    request,
                    title_reviews(title_id=title.pk, ordering=review_order),
                    param="rpage",
                    per_page=10,
                    count=lambda: title.rating_count,
                ),
                "review_order": review_order,
                "walks_page": page_for(
                    request, title_walks(title_id=title.pk, state=walk_state or None), param="wpage", per_page=12
                ),
                "walk_state": walk_state,
            },
            request=request,
        )

    # And the privacy scope: a person going private disappears from it at once.
    scopes = (title_scope(title.pk), title_reviews_scope(title.pk), title_walks_scope(title.pk), privacy_scope())
    html = cached_html(scopes, request, activity, timeout=ACTIVITY_CACHE_SECONDS)
    return {
        "title": title,
        "walk": walk,
        "on_watchlist": on_watchlist,
        "review": review,
        "review_form": review_form,
        "states": state_choices(title.type),
        "activity": html,
        "external_ids": list(title.external_ids.all()),
        "histogram": _histogram(title_rating_histogram(title_id=title.pk)),
        "can_change": can_curate(request.user, "change"),
        "can_delete": can_curate(request.user, "delete"),
    }


def _histogram(counts: list[int]) -> dict:
    """The rating histogram's bars in a 100×40 box (reviews/_histogram.html)."""
    peak = max(counts, default=0) or 1
    bars = []
    for i, n in enumerate(counts):
        h = round(38 * n / peak, 1) if n else 0.6
        label = f"{i * 10}–{i * 10 + 9 if i < 9 else 100}"
        bars.append({"x": i * 10 + 0.7, "y": round(40 - h, 1), "h": h, "count": n, "label": label})
    return {"bars": bars, "total": sum(counts)}


@require_GET
def title_detail(request, pk: int):
    def draw(extra: dict):
        title, walk, review = title_with_mine(pk=pk, user=request.user)
        context = title_page_context(request, title, walk, review)
        return render(request, "catalog/title_detail.html", {**context, **extra})

    scopes = [*_visitor_scopes(request), title_scope(pk), title_reviews_scope(pk), title_walks_scope(pk)]
    scopes.append(privacy_scope())  # the activity's reviewers going private
    if request.user.is_authenticated:  # the visitor's own walk, review and watchlist entry
        uid = request.user.pk
        scopes += [user_walks_scope(uid), user_reviews_scope(uid), user_watchlist_scope(uid)]
    return cached_page(
        request,
        scopes=scopes,
        render=draw,
        timeout=PAGE_CACHE_SECONDS,
        holes=layout_holes(request),
        # A rejected review's input and errors, shown once from the session.
        cacheable=not has_draft(request, title_id=pk),
    )


def _curator_title(request, pk: int | None, action: str):
    if not can_curate(request.user, action, fresh=True):
        raise PermissionDenied
    if pk is None:
        return None
    try:
        return selectors.title_get(pk=pk)
    except ServiceError:
        raise Http404 from None


@login_required
@require_http_methods(["GET", "POST"])
def title_create(request):
    _curator_title(request, None, "add")
    form = TitleForm(request.POST or None, initial={"type": request.GET.get("type") or TitleType.GAME})
    duplicate = None
    if request.method == "POST" and form.is_valid():
        try:
            title = services.title_create(actor=request.user, **form.cleaned_data)
        except services.DuplicateTitle as exc:
            duplicate = exc.existing  # a warning with a link, and the choice to add it anyway
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The title was added. Upload a cover if you have one."))
            return redirect("catalog:title", pk=title.pk)
    return render(request, "catalog/title_form.html", {"form": form, "title": None, "duplicate": duplicate})


@login_required
@require_http_methods(["GET", "POST"])
def title_edit(request, pk: int):
    title = _curator_title(request, pk, "change")
    initial = {f: getattr(title, f) for f in ("name", "type", "release_year", "description")}
    form = TitleForm(request.POST or None, initial=initial)
    del form.fields["force"]  # only a new title is checked for a duplicate
    if request.method == "POST" and form.is_valid():
        from walks.tally import title_update_tallied  # the walk counts follow a change of type

        try:
            title_update_tallied(actor=request.user, title=title, **form.cleaned_data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("catalog:title", pk=title.pk)
    return render(request, "catalog/title_form.html", {"form": form, "title": title})


@login_required
@require_http_methods(["GET", "POST"])
def title_cover(request, pk: int):
    title = _curator_title(request, pk, "change")
    if request.method == "POST" and request.POST.get("remove"):
        services.title_remove_cover(actor=request.user, title=title)
        messages.success(request, _("The cover was removed."))
        return redirect("catalog:title", pk=title.pk)
    form = CoverForm(request.POST or None, request.FILES or None)
    if request.method == "GET":
        mark_upload_too_large(request, form, "cover")
    if request.method == "POST" and form.is_valid():
        try:
            services.title_set_cover(actor=request.user, title=title, upload=form.cleaned_data["cover"])
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The cover was updated."))
            return redirect("catalog:title", pk=title.pk)
    return render(request, "catalog/title_cover.html", {"form": form, "title": title})


@login_required
@require_http_methods(["GET", "POST"])
def title_delete(request, pk: int):
    title = _curator_title(request, pk, "delete")
    if request.method == "POST":
        from imports.services import title_remove  # with the tombstones of its walks and reviews

        type_ = title.type
        title_remove(actor=request.user, title=title)
        messages.success(request, _("“%(name)s” was deleted.") % {"name": title.name})
        return redirect(f"{_titles_url()}?type={type_}")
    return render(request, "catalog/title_delete.html", {"title": title})


def _titles_url() -> str:
    from django.urls import reverse

    return reverse("catalog:titles")


@require_GET
def cover_placeholder_png(request, type: str, size: str):
    """The API's placeholder: a PNG (phones do not draw SVG), signed, cached (core.placeholders)."""
    from core.placeholders import png_response, signed

    from .covers import COVER_SIZES, NAME_LIMIT, placeholder_png

    name, lang = request.GET.get("n", "")[:NAME_LIMIT], request.GET.get("l", "")
    if type not in TitleType.values or size not in COVER_SIZES or not is_supported_locale(lang):
        raise Http404
    if not signed(request.GET.get("s"), "cover", type, size, name, lang):
        raise Http404

    def render() -> bytes:
        with translation_override(lang):
            label = str(TitleType(type).label)
        return placeholder_png(type=type, name=name, type_label=label, size=size)

    return png_response(request, parts=("cover", type, size, name, lang), render=render)


@require_GET
@cache_control(public=True, max_age=60 * 60 * 24 * 365, immutable=True)
def cover_placeholder(request, type: str):
    if type not in TitleType.values:
        raise Http404
    lang = request.GET.get("l") if is_supported_locale(request.GET.get("l")) else settings.LANGUAGE_CODE
    with translation_override(lang):
        label = str(TitleType(type).label)
    svg = placeholder_svg(type=type, name=request.GET.get("n", ""), type_label=label)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    # The SVG is drawn from the URL: make sure nothing in it can run.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
