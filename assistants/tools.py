"""What each MCP tool does, as plain synchronous functions of the caller.

A door like a view: parse, call the same services and selectors as the pages
and the REST API, shape the reply. ``assistants.server`` wraps each one as an
MCP tool (authentication, scope, rate limit, errors, the thread hop).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import Title
from catalog.provider_services import provider_results, title_add_from_provider
from catalog.selectors import clean_id, title_list
from catalog.title_page import title_with_mine
from core.errors import NotFound
from gptprofile.services import mask_email, profile_edit_init
from reviews import services as review_services
from reviews.models import Review
from reviews.selectors import user_reviews
from stats.selectors import user_stats, user_year
from walks import services as walk_services
from walks.selectors import user_walks, user_watchlist
from walks.services import watchlist_add

from .services import mcp_write_log

LIST_LIMIT = 50
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class Caller:
    """Who is calling: the person, through which OAuth client, with which token."""

    user: User
    application_id: int | None
    client_name: str
    token_id: int
    scopes: frozenset[str]


def _url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _title_brief(title: Title) -> dict[str, Any]:
    return {
        "id": title.pk,
        "name": title.name,
        "type": title.type,
        "release_year": title.release_year,
        "rating": round(title.rating, 1) if title.rating is not None else None,
        "rating_count": title.rating_count,
        "url": _url(reverse("catalog:title", args=[title.pk])),
    }


def _walk(walk) -> dict[str, Any] | None:
    if walk is None:
        return None
    return {"state": walk.state, "updated_at": walk.updated_at.isoformat()}


def _review(review) -> dict[str, Any] | None:
    if review is None:
        return None
    return {"rating": review.rating, "text": review.text, "updated_at": review.updated_at.isoformat()}


def _page(queryset, limit: int) -> tuple[list, bool]:
    rows = list(queryset[: limit + 1])
    return rows[:limit], len(rows) > limit


def _log(caller: Caller, tool: str, *, title_id: int | None, detail: str = "") -> None:
    mcp_write_log(
        user=caller.user,
        application_id=caller.application_id,
        client_name=caller.client_name,
        tool=tool,
        title_id=title_id,
        detail=detail,
    )


# --- Reads -------------------------------------------------------------------------------


def search_titles(caller: Caller, *, type: str, query: str) -> dict[str, Any]:
    titles, more = _page(title_list(type=type, search=query, ordering="-rating"), SEARCH_LIMIT)
    return {"titles": [_title_brief(t) for t in titles], "more": more}


def get_title(caller: Caller, *, title_id: int) -> dict[str, Any]:
    title_id = clean_id(title_id, field="title_id")
    title, walk, review = title_with_mine(pk=title_id, user=caller.user)
    data = _title_brief(title)
    data["description"] = title.description
    data["my_walk"] = _walk(walk)
    data["my_review"] = _review(review)
    return data


def my_walks(caller: Caller, *, type: str | None = None, state: str | None = None) -> dict[str, Any]:
    walks, more = _page(user_walks(user_id=caller.user.pk, type=type, state=state), LIST_LIMIT)
    return {
        "walks": [
            {"title": _title_brief(w.title), "state": w.state, "updated_at": w.updated_at.isoformat()} for w in walks
        ],
        "more": more,
    }


def my_reviews(caller: Caller, *, type: str | None = None) -> dict[str, Any]:
    reviews, more = _page(user_reviews(user_id=caller.user.pk, type=type), LIST_LIMIT)
    return {
        "reviews": [
            {"title": _title_brief(r.title), "rating": r.rating, "text": r.text, "updated_at": r.updated_at.isoformat()}
            for r in reviews
        ],
        "more": more,
    }


# --- Writes: each one service call and one log row, in one transaction ---------------------


@transaction.atomic
def set_walk(caller: Caller, *, title_id: int, state: str) -> dict[str, Any]:
    walk, created = walk_services.walk_upsert(user=caller.user, title_id=title_id, state=state)
    _log(caller, "set_walk", title_id=walk.title_id, detail=f"state={walk.state}")
    return {"title_id": walk.title_id, "state": walk.state, "created": created}


@transaction.atomic
def remove_walk(caller: Caller, *, title_id: int) -> dict[str, Any]:
    title_id = clean_id(title_id, field="title_id")
    removed = walk_services.walk_delete_for_title(user=caller.user, title_id=title_id)
    if not removed:
        raise NotFound(_("You have no walk of this title."), code="walk_not_found")
    _log(caller, "remove_walk", title_id=title_id)
    return {"title_id": title_id, "removed": True}


@transaction.atomic
def review_title(caller: Caller, *, title_id: int, rating: int, text: str | None = None) -> dict[str, Any]:
    kwargs = {} if text is None else {"text": text}
    review, created = review_services.review_upsert(user=caller.user, title_id=title_id, rating=rating, **kwargs)
    _log(caller, "review_title", title_id=review.title_id, detail=f"rating={review.rating}")
    return {"title_id": review.title_id, "rating": review.rating, "text": review.text, "created": created}


@transaction.atomic
def delete_review(caller: Caller, *, title_id: int) -> dict[str, Any]:
    title_id = clean_id(title_id, field="title_id")
    review_id = Review.objects.filter(user=caller.user, title_id=title_id).values_list("pk", flat=True).first()
    if review_id is None:
        raise NotFound(_("You have not reviewed this title."), code="review_not_found")
    review_services.review_delete(user=caller.user, review_id=review_id)
    _log(caller, "delete_review", title_id=title_id)
    return {"title_id": title_id, "deleted": True}


def request_profile_edit_link(caller: Caller) -> dict[str, Any]:
    """The same service as the ChatGPT action, for the signed-in person only."""
    sent = profile_edit_init(email=caller.user.email)
    _log(caller, "request_profile_edit_link", title_id=None)
    return {"sent": True, "email": mask_email(caller.user.email), "expires_in_minutes": sent.expires_in_minutes}


# --- Features other branches bring: registered only where their module exists -------------


def my_watchlist(caller: Caller) -> dict[str, Any]:
    rows, more = _page(user_watchlist(user_id=caller.user.pk), LIST_LIMIT)
    return {"titles": [_title_brief(row.title) for row in rows], "more": more}


def add_to_watchlist(caller: Caller, *, title_id: int) -> dict[str, Any]:
    _entry, created = watchlist_add(user=caller.user, title_id=title_id)
    _log(caller, "add_to_watchlist", title_id=title_id)
    return {"title_id": title_id, "added": created}


def my_stats(caller: Caller, *, year: int | None = None) -> dict[str, Any]:
    if year is None:
        return user_stats(user_id=caller.user.pk)
    return user_year(user_id=caller.user.pk, year=year)


def search_provider(caller: Caller, *, type: str, query: str) -> dict[str, Any]:
    found = provider_results(type=type, query=query, ident=f"user:{caller.user.pk}", language=caller.user.locale)
    return {"provider": found["provider"], "results": found["results"]}


def add_title_from_provider(caller: Caller, *, provider: str, external_id: str) -> dict[str, Any]:
    title, created = title_add_from_provider(
        actor=caller.user, provider=provider, external_id=external_id, language=caller.user.locale
    )
    _log(caller, "add_title_from_provider", title_id=title.pk, detail=f"{provider}:{external_id}")
    return {"title_id": title.pk, "name": title.name, "created": created}
