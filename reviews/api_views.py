from __future__ import annotations

import functools

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.cache import privacy_scope, user_scope
from accounts.user_cache import cached_user
from catalog.cache import title_scope
from catalog.models import TitleType
from catalog.selectors import title_get
from core import sync
from core.api import parse, query_choice
from core.cache import cached_json
from core.errors import NotFound
from core.pagination import PageNumberPagination, paginated_response
from social.selectors import visible_or_403

from . import selectors, services
from .cache import title_reviews_scope, user_reviews_scope
from .serializers import (
    ReviewChangesOut,
    ReviewIn,
    ReviewPatchIn,
    ReviewWithTitleOut,
    ReviewWithUserOut,
)

# A list is computed again as soon as one of its reviews changes; what it
# embeds from other rows (a title's rating, an author's name) may lag this long.
LIST_CACHE_SECONDS = 60
SYNC_HELP = (
    "RFC 3339 with its offset (e.g. `2026-01-31T12:00:00Z`; URL-encode a `+`). Answers `ReviewChanges` "
    "instead of a page: the reviews changed at or after it and those deleted since (kept 30 days). "
    "Older than 30 days or more than 1000 changes: 400 `updated_since_too_old` / `too_many_changes` with "
    "a `server_time`: read the whole list, then sync from that time. Takes no other parameter."
)


def _person(pk: int):
    """The person of a list, from the user cache (a private or blocked list is a 403)."""
    person = cached_user(pk)
    if person is None or not person.is_active:
        raise NotFound(_("No such user."), code="user_not_found")
    return person


def _with_title(request, review):
    # The service loaded the title's brief fields with the write: no second
    # read. Its rating is the one before this write (recomputed at the commit).
    return ReviewWithTitleOut(review, context={"request": request}).data


class ReviewCreate(APIView):
    error_codes = {400: ["invalid_rating", "invalid_text", "text_too_long", "title_not_found"]}

    @extend_schema(
        summary="Review a title: 201 for a new review, 200 when the caller's review of it is updated",
        request=ReviewIn,
        responses={200: ReviewWithTitleOut, 201: ReviewWithTitleOut},
    )
    def post(self, request):
        incoming = parse(ReviewIn, request.data)
        review, created = services.review_upsert(user=request.user, **incoming)
        return Response(_with_title(request, review), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class ReviewDetail(APIView):
    error_codes = {404: ["review_not_found"], "patch": {400: ["invalid_rating", "invalid_text", "text_too_long"]}}

    @extend_schema(summary="Change your review", request=ReviewPatchIn, responses=ReviewWithTitleOut)
    def patch(self, request, pk: int):
        incoming = parse(ReviewPatchIn, request.data)
        review = services.review_update(user=request.user, review_id=pk, **incoming)
        return Response(_with_title(request, review))

    @extend_schema(summary="Delete your review", responses={204: None})
    def delete(self, request, pk: int):
        services.review_delete(user=request.user, review_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserReviews(APIView):
    error_codes = {400: ["invalid_type"], 403: ["profile_private"], 404: ["user_not_found"]}
    # Declares the paginated shape in the schema; paginated_response does the work.
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="A user's reviews, newest update first",
        parameters=[
            OpenApiParameter("type", str, enum=TitleType.values),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=ReviewWithTitleOut(many=True),
    )
    def get(self, request, pk: int):
        queryset = selectors.user_reviews(user_id=pk, type=query_choice(request, "type"))

        # The person (their cached row: a deactivated account is a 404 at
        # once) and whether the caller may see them (cached per caller).
        visible_or_403(request.user, _person(pk))

        def page() -> dict:
            return paginated_response(request, queryset, ReviewWithTitleOut).data

        # Also the person's scope: a deactivated account's list is gone at once.
        scopes = (user_reviews_scope(pk), user_scope(pk))
        return cached_json(scopes, request, page, timeout=LIST_CACHE_SECONDS)


class MyReviews(UserReviews):
    """``/user/@me/reviews``: the caller's own list, without knowing their id,
    or with ``updated_since`` what changed since then (core.sync)."""

    error_codes = {**UserReviews.error_codes, 400: [*UserReviews.error_codes[400], *sync.ERROR_CODES]}
    sync_serializer = ReviewChangesOut  # core.schema: the 200 is the page or the changes

    @extend_schema(
        summary="My reviews, newest update first; or, with updated_since, what changed since then",
        parameters=[
            OpenApiParameter("type", str, enum=TitleType.values),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description=SYNC_HELP),
        ],
        responses=ReviewWithTitleOut(many=True),
    )
    def get(self, request):
        if sync.PARAM not in request.query_params:
            return super().get(request, pk=request.user.pk)
        read = functools.partial(selectors.user_reviews_changed, user_id=request.user.pk)
        return sync.changes_response(request, read=read, serializer=ReviewChangesOut)


class TitleReviews(APIView):
    error_codes = {400: ["invalid_ordering"], 404: ["title_not_found"]}
    # Declares the paginated shape in the schema; paginated_response does the work.
    pagination_class = PageNumberPagination

    @extend_schema(
        summary="A title's reviews: newest update first, or by rating",
        parameters=[
            OpenApiParameter("ordering", str, enum=list(selectors.TITLE_REVIEW_ORDERINGS)),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=ReviewWithUserOut(many=True),
    )
    def get(self, request, pk: int):
        queryset = selectors.title_reviews(title_id=pk, ordering=query_choice(request, "ordering"))

        def page() -> dict:
            title_get(pk=pk)
            return paginated_response(request, queryset, ReviewWithUserOut).data

        # Also the title's scope: a deleted title's list is gone at once, and
        # the page's count is the title's rating_count.
        scopes = (title_reviews_scope(pk), title_scope(pk), privacy_scope())
        return cached_json(scopes, request, page, timeout=LIST_CACHE_SECONDS)
