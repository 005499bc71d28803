from __future__ import annotations

import logging
import sys

from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .middleware import database_unavailable, error_response

logger = logging.getLogger(__name__)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_cache() -> str:
    cache.set("healthz", "1", 10)
    if cache.get("healthz") != "1":
        raise RuntimeError("cache did not return the value it was given")
    return "ok"


def _check_broker() -> str:
    from config.celery import app

    if app.conf.task_always_eager:
        return "eager"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@never_cache
def healthz(request):
    checks: dict[str, str] = {}
    healthy = True
    for name, check in (("database", _check_database), ("cache", _check_cache), ("broker", _check_broker)):
        try:
            checks[name] = check()
        except Exception as exc:
            logger.warning("healthz: %s failed: %s", name, exc)
            checks[name] = "error"
            healthy = False
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def page_not_found(request, exception=None):
    return error_response(request, status=404, code="not_found", detail=_("Not found."))


def server_error(request):
    # A database outage noticed outside a view (a middleware reading the
    # session) reaches Django's 500 handler, not process_exception: answer it
    # the same way, 503 with Retry-After, without touching the database again.
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return database_unavailable(request)
    return error_response(
        request, status=500, code="server_error", detail=_("Something went wrong on our side. We have been told.")
    )


def bad_request(request, exception=None):
    return error_response(request, status=400, code="bad_request", detail=_("Bad request."))


def permission_denied(request, exception=None):
    return error_response(
        request, status=403, code="permission_denied", detail=_("You do not have permission to do this.")
    )


def csrf_failure(request, reason=""):
    return error_response(
        request, status=403, code="csrf_failed", detail=_("Your form expired. Reload the page and try again.")
    )


# The home page's per-person parts, cached (core.cache) under what they show:
# the person's recent walks and reviews are computed again at once after
# any of their writes (what they embed of the titles, a name or a rating,
# may lag HOME_ACTIVITY_SECONDS); the feed as social.cache.FEED_SECONDS says.
HOME_ACTIVITY_SECONDS = 60


def home(request):
    from linking.templatetags.linking_tags import layout_holes
    from social.cache import FEED_SECONDS

    from .visitor_cache import cached_page

    # "Welcome back" only for someone who joined before this sign-in (an hour's grace).
    user = request.user
    returning = bool(
        user.is_authenticated
        and getattr(user, "last_auth_at", None)
        and (user.last_auth_at - user.joined_at).total_seconds() > 3600
    )
    context = {"returning": returning}

    def draw(extra: dict):
        if user.is_authenticated:
            context.update(_home_fragments(request))
        return render(request, "home.html", {**context, **extra})

    # Cached whole per visitor (core.visitor_cache) under what it shows: the
    # person (the greeting), their walks and reviews (recent activity), their
    # follows (the feed); a followed person's write shows within FEED_SECONDS.
    return cached_page(
        request,
        scopes=_home_scopes(user),
        render=draw,
        timeout=FEED_SECONDS,
        holes=layout_holes(request, offers=user.is_authenticated),
    )


def _home_scopes(user) -> tuple[str, ...]:
    from accounts.cache import user_scope
    from reviews.cache import user_reviews_scope
    from social.cache import social_scope
    from walks.cache import user_walks_scope

    if not user.is_authenticated:
        return ("core:home:anonymous",)  # the same for everyone (the key adds language and theme)
    uid = user.pk
    return (user_scope(uid), user_walks_scope(uid), user_reviews_scope(uid), social_scope(uid))


def _home_fragments(request) -> dict:
    from django.template.loader import render_to_string

    from accounts.cache import user_scope
    from core.cache import cached_html
    from reviews.cache import user_reviews_scope
    from social.cache import FEED_SECONDS, social_scope
    from social.templatetags.social_tags import feed_panel
    from walks.cache import user_walks_scope
    from walks.templatetags.walks_tags import recent_activity

    user, uid = request.user, request.user.pk
    activity_scopes = (user_walks_scope(uid), user_reviews_scope(uid), user_scope(uid))
    feed_scopes = (social_scope(uid),)
    return {
        "recent_html": cached_html(
            activity_scopes,
            request,
            lambda: recent_activity({"request": request}, user),
            timeout=HOME_ACTIVITY_SECONDS,
        ),
        "feed_html": cached_html(
            feed_scopes,
            request,
            lambda: render_to_string("social/_feed.html", feed_panel({"request": request}), request=request),
            timeout=FEED_SECONDS,
        ),
    }


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: the SVG answers
    (resolved per request: the hashed name exists only after collectstatic)."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
