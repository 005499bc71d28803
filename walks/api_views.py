from __future__ import annotations

import functools

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.cache import user_scope
from accounts.user_cache import cached_user
from catalog.models import TitleType
from catalog.selectors import title_get
from core import sync
from core.api import parse, query_choice
from core.cache import cached_json
from core.errors import NotFound
from core.pagination import PageNumberPagination, paginated_response
from social.selectors import visible_or_403

from . import selectors, services
from .cache import user_walks_scope, user_watchlist_scope
from .models import WalkState
from .serializers import (
    WalkChangesOut,
    WalkIn,
    WalkPatchIn,
    WalkWithTitleOut,
    WalkWithUserOut,
    WatchlistEntryOut,
    WatchlistIn,
)

# A user's lists are computed again as soon as one of their walks changes;
# what they embed from the titles (a rating, a name) may lag this long.
LIST_CACHE_SECONDS = 60
SYNC_HELP = (
    "RFC 3339 with its offset (e.g. `2026-01-31T12:00:00Z`; URL-encode a `+`). Answers `WalkChanges` "
    "instead of a page: the walks changed at or after it and those deleted since (kept 30 days). "
    "Older than 30 days or more than 1000 changes: 400 `updated_since_too_old` / `too_many_changes` with "
    "a `server_time`: read the whole list, then sync from that time. Takes no other parameter."
)


def _person(pk: int):
    """The person of a list, from the user cache (a private or blocked list is a 403)."""
    person = cached_user(pk)
    if person is None or not person.is_active:
        raise NotFound(_("No such user."), code="user_not_found")
    return person


class WalkCreate(APIView):
    error_codes = {400: ["invalid_state", "title_not_found"]}

    @extend_schema(
        summary="Mark a title: 201 for a new walk, 200 when the caller's walk of it is updated",
        request=WalkIn,
        responses={200: WalkWithTitleOut, 201: WalkWithTitleOut},
    )
    def post(self, request):
        incoming = parse(WalkIn, request.data)
        # The walk as written, with the title loaded by the write: no second read.
        walk, created = services.walk_upsert(user=request.user, **incoming)
        return Response(
            WalkWithTitleOut(walk, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class WalkDetail(APIView):
    error_codes = {404: ["walk_not_found"], "patch": {400: ["invalid_state"]}}

    @extend_schema(summary="Change the state of your walk", request=WalkPatchIn, responses=WalkWithTitleOut)
    def patch(self, request, pk: int):
        incoming = parse(WalkPatchIn, request.data)
        walk = services.walk_update(user=request.user, walk_id=pk, **incoming)
        return Response(WalkWithTitleOut(walk, context={"request": request}).data)

    @extend_schema(summary="Delete your walk", responses={204: None})
    def delete(self, request, pk: int):
        services.walk_delete(user=request.user, walk_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserWalks(APIView):
    error_codes = {400: ["invalid_type", "invalid_state"], 403: ["profile_private"], 404: ["user_not_found"]}
    # Declares the paginated shape in the schema; paginated_response does the work.
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="A user's walks, newest update first",
        parameters=[
            OpenApiParameter("type", str, enum=TitleType.values),
            OpenApiParameter("state", str, enum=WalkState.values),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=WalkWithTitleOut(many=True),
    )
    def get(self, request, pk: int):
        queryset = selectors.user_walks(
            user_id=pk, type=query_choice(request, "type"), state=query_choice(request, "state")
        )

        # The person (their cached row: a deactivated account is a 404 at
        # once) and whether the caller may see them (cached per caller).
        visible_or_403(request.user, _person(pk))

        def page() -> dict:
            return paginated_response(request, queryset, WalkWithTitleOut).data

        # Also the person's scope: a deactivated account's list is gone at once.
        scopes = (user_walks_scope(pk), user_scope(pk))
        return cached_json(scopes, request, page, timeout=LIST_CACHE_SECONDS)


class MyWalks(UserWalks):
    """``/user/@me/walks``: the caller's own list, without knowing their id,
    or with ``updated_since`` what changed since then (core.sync)."""

    error_codes = {**UserWalks.error_codes, 400: [*UserWalks.error_codes[400], *sync.ERROR_CODES]}
    sync_serializer = WalkChangesOut  # core.schema: the 200 is the page or the changes

    @extend_schema(
        summary="My walks, newest update first; or, with updated_since, what changed since then",
        parameters=[
            OpenApiParameter("type", str, enum=TitleType.values),
            OpenApiParameter("state", str, enum=WalkState.values),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description=SYNC_HELP),
        ],
        responses=WalkWithTitleOut(many=True),
    )
    def get(self, request):
        if sync.PARAM not in request.query_params:
            return super().get(request, pk=request.user.pk)
        read = functools.partial(selectors.user_walks_changed, user_id=request.user.pk)
        return sync.changes_response(request, read=read, serializer=WalkChangesOut)


class TitleWalks(APIView):
    error_codes = {400: ["invalid_state"], 404: ["title_not_found"]}
    # Declares the paginated shape in the schema; paginated_response does the work.
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="A title's walks, newest update first",
        parameters=[
            OpenApiParameter("state", str, enum=WalkState.values),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=WalkWithUserOut(many=True),
    )
    def get(self, request, pk: int):
        queryset = selectors.title_walks(title_id=pk, state=query_choice(request, "state"))
        title_get(pk=pk)
        return paginated_response(request, queryset, WalkWithUserOut)


class WatchlistAdd(APIView):
    error_codes = {400: ["title_not_found"], 409: ["already_walked"]}

    @extend_schema(
        summary="Put a title on your watchlist: 201 when added, 200 when it already was",
        request=WatchlistIn,
        responses={200: WatchlistEntryOut, 201: WatchlistEntryOut},
    )
    def post(self, request):
        incoming = parse(WatchlistIn, request.data)
        entry, created = services.watchlist_add(user=request.user, **incoming)
        entry = selectors.user_watchlist(user_id=request.user.pk).get(pk=entry.pk)
        return Response(
            WatchlistEntryOut(entry, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class WatchlistRemove(APIView):
    error_codes = {404: ["watchlist_entry_not_found"]}

    @extend_schema(summary="Take a title off your watchlist", responses={204: None})
    def delete(self, request, title_id: int):
        if not services.watchlist_remove(user=request.user, title_id=title_id):
            raise NotFound(_("This title is not on your watchlist."), code="watchlist_entry_not_found")
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserWatchlist(APIView):
    error_codes = {400: ["invalid_type"], 403: ["profile_private"], 404: ["user_not_found"]}
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="A user's watchlist, newest first",
        parameters=[
            OpenApiParameter("type", str, enum=TitleType.values),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=WatchlistEntryOut(many=True),
    )
    def get(self, request, pk: int):
        queryset = selectors.user_watchlist(user_id=pk, type=query_choice(request, "type"))

        visible_or_403(request.user, _person(pk))  # a private person's watchlist is theirs and their followers'

        def page() -> dict:
            return paginated_response(request, queryset, WatchlistEntryOut).data

        scopes = (user_watchlist_scope(pk), user_scope(pk))
        return cached_json(scopes, request, page, timeout=LIST_CACHE_SECONDS)
