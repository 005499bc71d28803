from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.cache import user_scope
from accounts.selectors import public_user, user_by_handle
from catalog.models import TitleType
from catalog.selectors import clean_type, title_cached
from core.cache import cached, request_cache_key
from core.errors import Invalid, ServiceError
from core.pagination import page_for
from core.visitor_cache import cached_page
from linking.templatetags.linking_tags import layout_holes
from reviews.cache import user_reviews_scope
from reviews.selectors import user_ratings, user_reviews
from social.cache import social_scope
from social.selectors import can_see

from . import selectors, services
from .cache import user_walks_scope, user_watchlist_scope
from .labels import state_choices, state_label

SECTION_SIZE = 6
PROFILE_CACHE_SECONDS = 60


@login_required
@require_POST
def title_walk(request, pk: int):
    """The title page's state selector: set the state, or remove the walk."""
    title = title_cached(pk=pk)  # the title is in the URL: a missing one is a 404
    try:
        if request.POST.get("action") == "remove":
            services.walk_delete_for_title(user=request.user, title_id=pk)
            messages.success(request, _("Removed from your walks."))
        else:
            walk, _created = services.walk_upsert(user=request.user, title_id=pk, state=request.POST.get("state"))
            messages.success(request, _("Marked as “%(state)s”.") % {"state": state_label(walk.state, title.type)})
    except ServiceError as exc:
        messages.error(request, exc.detail)
    return redirect(reverse("catalog:title", kwargs={"pk": pk}) + "#walk")


@login_required
@require_POST
def title_watchlist(request, pk: int):
    """The title page's watchlist toggle."""
    title_cached(pk=pk)
    try:
        if request.POST.get("action") == "remove":
            services.watchlist_remove(user=request.user, title_id=pk)
            messages.success(request, _("Taken off your watchlist."))
        else:
            services.watchlist_add(user=request.user, title_id=pk)
            messages.success(request, _("Added to your watchlist."))
    except ServiceError as exc:
        messages.error(request, exc.detail)
    return redirect("catalog:title", pk=pk)


@require_GET
def profile(request, username: str):
    """A person's page at /u/<username>/: walks grouped by type with a state
    filter, reviews with a type filter. Their id or a former username
    redirects to their username now."""
    person = user_by_handle(handle=username)
    if person.profile.username != username:
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return redirect(reverse("walks:profile", kwargs={"username": person.profile.username}) + query)
    if not can_see(request.user, person):
        return render(request, "social/private.html", {"person": person}, status=403)
    pk = person.pk
    # A filter from a hand-edited URL that means nothing is ignored: the page stays.
    state = _ignore_invalid(lambda: selectors.clean_state(request.GET.get("state") or None, required=False))
    only_type = _ignore_invalid(lambda: clean_type(request.GET.get("type") or None, required=False))
    review_type = _ignore_invalid(lambda: clean_type(request.GET.get("rtype") or None, required=False, param="rtype"))
    tab = "watchlist" if request.GET.get("tab") == "watchlist" else "walks"

    is_me = request.user.is_authenticated and request.user.pk == pk

    def body() -> dict:
        person = public_user(pk=pk)
        counts = selectors.user_walk_counts(user_id=pk, state=state)
        sections = []
        walks_page = None
        watchlist_page = None
        if tab == "watchlist":
            watchlist_page = page_for(request, selectors.user_watchlist(user_id=pk, type=only_type), per_page=24)
        elif only_type:
            walks = selectors.user_walks(user_id=pk, type=only_type, state=state)
            # The total from the kept counts, not a COUNT over the person's walks.
            walks_page = page_for(request, walks, per_page=24, count=lambda: counts.get(only_type, 0))
        else:
            for type_ in TitleType.values:
                if counts.get(type_):
                    walks = list(selectors.user_walks(user_id=pk, type=type_, state=state)[:SECTION_SIZE])
                    sections.append({"type": type_, "walks": walks, "count": counts[type_]})
        reviews_page = page_for(request, user_reviews(user_id=pk, type=review_type), param="rpage", per_page=10)
        # Cards on a profile show the owner's own score, not the title's mean.
        shown = [w for section in sections for w in section["walks"]]
        if walks_page is not None:
            walks_page.object_list = shown = list(walks_page.object_list)
        ratings = user_ratings(user_id=pk, title_ids={w.title_id for w in shown})
        for w in shown:
            w.owner_rating = ratings.get(w.title_id)
        context = {
            "person": person,
            "profile": person.profile,
            "links": _safe_links(person.profile.links),
            "is_me": is_me,
            "state": state or "",
            # One type shown: its own words; all types mixed: the neutral ones.
            "states": state_choices(only_type or None),
            "types": TitleType.values,
            "only_type": only_type or "",
            "counts": counts,
            "total_walks": sum(counts.values()),
            "sections": sections,
            "walks_page": walks_page,
            "reviews_page": reviews_page,
            "review_type": review_type or "",
            "section_size": SECTION_SIZE,
            "tab": tab,
            "watchlist_page": watchlist_page,
        }
        html = render_to_string("walks/_profile_body.html", context, request=request)
        return {"html": html, "username": person.profile.username}

    # Everyone who asks for the same page of it sees the same, but for its
    # owner: cached until the person, their walks or their reviews change
    # (the titles it shows may lag PROFILE_CACHE_SECONDS).
    scopes = (user_scope(pk), user_walks_scope(pk), user_reviews_scope(pk), user_watchlist_scope(pk))

    def draw(extra: dict):
        page = cached(scopes, request_cache_key(scopes, request, is_me), body, timeout=PROFILE_CACHE_SECONDS)
        context = {"body": mark_safe(page["html"]), "username": page["username"], "person": person}  # noqa: S308 - our own rendering
        return render(request, "walks/profile.html", {**context, **extra})

    # The whole page per visitor (core.visitor_cache), under the body's scopes,
    # the follow panel's (both people's follows) and the visitor's layout. Who
    # may see the person is checked above on every request.
    visitor = request.user.pk if request.user.is_authenticated else None
    page_scopes = (*scopes, social_scope(pk), *((user_scope(visitor), social_scope(visitor)) if visitor else ()))
    return cached_page(
        request, scopes=page_scopes, render=draw, timeout=PROFILE_CACHE_SECONDS, holes=layout_holes(request)
    )


def _ignore_invalid(clean):
    try:
        return clean()
    except Invalid:
        return None


def _safe_links(links) -> list[dict[str, str]]:
    """Profile links as {label, url}, only http(s) ones (no javascript: in a href)."""
    out = []
    for item in links if isinstance(links, list) else []:
        url = item.get("url") if isinstance(item, dict) else item
        label = item.get("label") if isinstance(item, dict) else None
        if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
            host = url.split("://", 1)[1].split("/", 1)[0]
            out.append({"url": url, "label": label if isinstance(label, str) and label else host})
    return out
