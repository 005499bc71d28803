from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import parse, query_choice
from core.cache import cached_json
from core.pagination import PageNumberPagination, paginated_response
from reviews.cache import title_reviews_scope, user_reviews_scope
from reviews.selectors import title_rating_histogram
from reviews.serializers import ReviewOut
from walks.cache import user_walks_scope
from walks.serializers import WalkOut

from . import cache, selectors, services
from .cache import title_list_scope, title_scope
from .models import TitleType
from .permissions import catalog_permission_check
from .serializers import CoverIn, TitleIn, TitleOut, TitlePatchIn
from .title_page import title_with_mine


def _title_payload(request, title, walk=None, review=None) -> dict:
    data = TitleOut(title, context={"request": request}).data
    data["walk"] = WalkOut(walk).data if walk is not None else None
    data["review"] = ReviewOut(review).data if review is not None else None
    data["rating_histogram"] = title_rating_histogram(title_id=title.pk)
    return data


TITLE_DETAIL = inline_serializer(
    "TitleDetail",
    {
        **TitleOut().get_fields(),
        "walk": WalkOut(allow_null=True),
        "review": ReviewOut(allow_null=True),
        "rating_histogram": serializers.ListField(
            child=serializers.IntegerField(), help_text="Reviews in each bucket of 10: 0-9, 10-19 ... 90-100"
        ),
    },
)


class TitleListCreate(APIView):
    error_codes = {
        "get": {400: ["type_required", "invalid_type", "search_too_long", "invalid_search", "invalid_ordering"]},
        "post": {400: ["invalid", "required"], 403: ["permission_denied"], 409: ["duplicate_title"]},
    }
    # Declares the paginated shape in the schema; paginated_response does the work.
    pagination_class = PageNumberPagination

    def count_hint(self, queryset) -> int:
        return selectors.title_count(type=self._type, search=self._search, queryset=queryset)

    @extend_schema(
        summary="Titles of one type",
        parameters=[
            OpenApiParameter("type", str, required=True, enum=TitleType.values),
            OpenApiParameter("search", str, description="Part of the name, any case"),
            OpenApiParameter("ordering", str, enum=list(selectors.TITLE_ORDERINGS)),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses=TitleOut(many=True),
    )
    def get(self, request):
        params = request.query_params
        # The type names the scope: checked first, so that no bad one starts a version.
        self._type, self._search = selectors.clean_type(params.get("type"), required=True), params.get("search")

        def page() -> dict:
            # Built (and its parameters checked) on a miss only: a hit is for a
            # URL whose parameters were good when it was computed.
            queryset = selectors.title_list(
                type=self._type, search=self._search, ordering=query_choice(request, "ordering")
            ).prefetch_related("external_ids")
            return paginated_response(request, queryset, TitleOut, view=self).data

        # The same for every caller (see TITLE_LIST_CACHE_SECONDS).
        scope = title_list_scope(self._type)
        return cached_json(scope, request, page, timeout=cache.TITLE_LIST_CACHE_SECONDS)

    @extend_schema(summary="Add a title (curators)", request=TitleIn, responses={201: TITLE_DETAIL})
    def post(self, request):
        catalog_permission_check(user=request.user, action="add")
        incoming = parse(TitleIn, request.data)
        title = services.title_create(actor=request.user, **incoming)
        return Response(_title_payload(request, title), status=status.HTTP_201_CREATED)


class TitleDetail(APIView):
    error_codes = {
        404: ["title_not_found"],
        "patch": {400: ["invalid", "required"], 403: ["permission_denied"]},
        "delete": {403: ["permission_denied"]},
    }

    @extend_schema(summary="A title with the caller's own walk and review", responses=TITLE_DETAIL)
    def get(self, request, pk: int):
        def answer() -> dict:
            title, walk, review = title_with_mine(pk=pk, user=request.user)
            return _title_payload(request, title, walk, review)

        # The caller's whole answer, rendered: the title (its rating too), its
        # histogram (its reviews), the caller's walks and reviews (their own
        # walk and review of it). Each is bumped by its writer once it
        # commits, so the caller's own write shows on their next request.
        user_id = request.user.pk
        scopes = (title_scope(pk), title_reviews_scope(pk), user_walks_scope(user_id), user_reviews_scope(user_id))
        return cached_json(scopes, request, answer, timeout=cache.TITLE_DETAIL_CACHE_SECONDS, parts=(user_id,))

    @extend_schema(summary="Change a title (curators)", request=TitlePatchIn(partial=True), responses=TITLE_DETAIL)
    def patch(self, request, pk: int):
        catalog_permission_check(user=request.user, action="change")
        incoming = parse(TitlePatchIn, request.data, partial=True)
        from walks.tally import title_update_tallied  # the walk counts follow a change of type

        title = title_update_tallied(actor=request.user, title=selectors.title_get(pk=pk), **incoming)
        _, walk, review = title_with_mine(pk=title.pk, user=request.user)
        return Response(_title_payload(request, title, walk, review))

    @extend_schema(summary="Delete a title (curators)", responses={204: None})
    def delete(self, request, pk: int):
        from imports.services import title_remove  # with the tombstones of its walks and reviews

        catalog_permission_check(user=request.user, action="delete")
        title_remove(actor=request.user, title=selectors.title_get(pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TitleCover(APIView):
    parser_classes = [MultiPartParser]
    error_codes = {
        400: ["required", "invalid_image", "image_too_large"],
        403: ["permission_denied"],
        404: ["title_not_found"],
        413: ["file_too_large"],
        429: [],
    }

    @extend_schema(
        summary="Upload a cover (curators): JPEG, PNG or WebP up to 5 MB",
        request={"multipart/form-data": CoverIn},
        responses=TitleOut,
    )
    def post(self, request, pk: int):
        catalog_permission_check(user=request.user, action="change")
        title = selectors.title_get(pk=pk)
        upload = request.FILES.get("cover")
        title = services.title_set_cover(actor=request.user, title=title, upload=upload)
        return Response(TitleOut(title, context={"request": request}).data)
