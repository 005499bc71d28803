from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.cache import user_scope
from accounts.selectors import public_user
from catalog.models import TitleType
from catalog.selectors import title_get
from core.api import parse
from core.cache import cached_json
from core.pagination import PageNumberPagination, paginated_response

from . import selectors, services
from .cache import user_walks_scope
from .models import WalkState
from .serializers import (
    WalkIn,
    WalkPatchIn,
    WalkWithTitleOut,
    WalkWithUserOut,
)

# A user's lists are computed again as soon as one of their walks changes;
# what they embed from the titles (a rating, a name) may lag this long.
LIST_CACHE_SECONDS = 60


class WalkCreate(APIView):
    error_codes = {400: ["invalid_state", "title_not_found"]}

    @extend_schema(
        summary="Mark a title: 201 for a new walk, 200 when the caller's walk of it is updated",
        request=WalkIn,
        responses={200: WalkWithTitleOut, 201: WalkWithTitleOut},
    )
    def post(self, request):
        incoming = parse(WalkIn, request.data)
        walk, created = services.walk_upsert(user=request.user, **incoming)
        walk = selectors.user_walks(user_id=request.user.pk).get(pk=walk.pk)
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
        walk = selectors.user_walks(user_id=request.user.pk).get(pk=walk.pk)
        return Response(WalkWithTitleOut(walk, context={"request": request}).data)

    @extend_schema(summary="Delete your walk", responses={204: None})
    def delete(self, request, pk: int):
        services.walk_delete(user=request.user, walk_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserWalks(APIView):
    error_codes = {400: ["invalid_type", "invalid_state"], 404: ["user_not_found"]}
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
            user_id=pk, type=request.query_params.get("type"), state=request.query_params.get("state")
        )

        def page() -> dict:
            public_user(pk=pk)
            return paginated_response(request, queryset, WalkWithTitleOut).data

        # Also the person's scope: a deactivated account's list is gone at once.
        scopes = (user_walks_scope(pk), user_scope(pk))
        return cached_json(scopes, request, page, timeout=LIST_CACHE_SECONDS)


class MyWalks(UserWalks):
    """``/user/@me/walks``: the caller's own list, without knowing their id."""

    @extend_schema(
        summary="My walks, newest update first",
        parameters=[
            OpenApiParameter("type", str, enum=TitleType.values),
            OpenApiParameter("state", str, enum=WalkState.values),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=WalkWithTitleOut(many=True),
    )
    def get(self, request):
        return super().get(request, pk=request.user.pk)


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
        queryset = selectors.title_walks(title_id=pk, state=request.query_params.get("state"))
        title_get(pk=pk)
        return paginated_response(request, queryset, WalkWithUserOut)
