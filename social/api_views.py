from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import public_user
from accounts.serializers import PublicUserOut
from core.cache import cached_json
from core.errors import Invalid
from core.pagination import PageNumberPagination, paginated_response

from . import selectors, services
from .cache import FEED_SECONDS, social_scope
from .serializers import FeedEntrySerializer, FollowOutSerializer, FollowRequestActionSerializer, PrivacySerializer


class Follow(APIView):
    error_codes = {"post": {400: ["follow_self"], 403: ["follow_blocked"], 404: ["user_not_found"]}}

    @extend_schema(
        summary="Follow a person: approved at once for a public profile, pending for a private one",
        request=None,
        responses={201: FollowOutSerializer, 200: FollowOutSerializer},
    )
    def post(self, request, pk: int):
        follow, created = services.follow_create(follower=request.user, followee_id=pk)
        return Response({"status": follow.status}, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="Unfollow, or withdraw a request", responses={204: None})
    def delete(self, request, pk: int):
        services.follow_delete(follower=request.user, followee_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class Block(APIView):
    error_codes = {"post": {400: ["block_self"], 404: ["user_not_found"]}}

    @extend_schema(summary="Block a person (ends follows both ways)", request=None, responses={204: None})
    def post(self, request, pk: int):
        services.block_create(blocker=request.user, blocked_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="Unblock a person", responses={204: None})
    def delete(self, request, pk: int):
        services.block_delete(blocker=request.user, blocked_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _People(APIView):
    pagination_class = PageNumberPagination
    error_codes = {403: ["profile_private"], 404: ["user_not_found"]}
    which = "followers"

    @extend_schema(parameters=[OpenApiParameter("page", int)], responses=PublicUserOut(many=True))
    def get(self, request, pk: int):
        person = public_user(pk=pk)
        selectors.visible_or_403(request.user, person)
        if self.which == "followers":
            rows = selectors.followers(user_id=pk)
            field = "follower"
        else:
            rows = selectors.following(user_id=pk)
            field = "followee"
        return paginated_response(request, rows, _PersonOf(field))


def _PersonOf(field: str):
    class PersonOfFollow(PublicUserOut):
        def to_representation(self, follow):
            return super().to_representation(getattr(follow, field))

    return PersonOfFollow


class Followers(_People):
    which = "followers"

    @extend_schema(
        summary="A person's followers", parameters=[OpenApiParameter("page", int)], responses=PublicUserOut(many=True)
    )
    def get(self, request, pk: int):
        return super().get(request, pk)


class Following(_People):
    which = "following"

    @extend_schema(
        summary="The people a person follows",
        parameters=[OpenApiParameter("page", int)],
        responses=PublicUserOut(many=True),
    )
    def get(self, request, pk: int):
        return super().get(request, pk)


class FollowRequests(APIView):
    pagination_class = PageNumberPagination

    @extend_schema(summary="People asking to follow you", responses=PublicUserOut(many=True))
    def get(self, request):
        return paginated_response(
            request, selectors.followers(user_id=request.user.pk, status="pending"), _PersonOf("follower")
        )


class FollowRequest(APIView):
    error_codes = {404: ["follow_request_not_found"]}

    @extend_schema(
        summary="Approve or decline a follow request", request=FollowRequestActionSerializer, responses={204: None}
    )
    def post(self, request, pk: int):
        incoming = FollowRequestActionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        if incoming.validated_data["action"] == "approve":
            services.follow_approve(followee=request.user, follower_id=pk)
        else:
            services.follow_decline(followee=request.user, follower_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


FEED_PAGE = inline_serializer(
    "FeedPage",
    {
        "page": serializers.IntegerField(),
        "next": serializers.IntegerField(allow_null=True),
        "previous": serializers.IntegerField(allow_null=True),
        "results": FeedEntrySerializer(many=True),
    },
)


class Feed(APIView):
    error_codes = {400: ["invalid_page"]}

    @extend_schema(
        summary="The walks and reviews of the people you follow, newest first",
        parameters=[OpenApiParameter("page", int)],
        responses=FEED_PAGE,
    )
    def get(self, request):
        raw = request.query_params.get("page", "1")  # an empty page is a 400, as in every list
        if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
            raise Invalid(_("The page must be a positive whole number."), code="invalid_page")

        def answer() -> dict:
            page = selectors.feed_page(user_id=request.user.pk, number=int(raw))
            return {
                "page": page.number,
                "next": page.number + 1 if page.has_next else None,
                "previous": page.number - 1 if page.has_previous else None,
                "results": FeedEntrySerializer(page.entries, many=True, context={"request": request}).data,
            }

        return cached_json(social_scope(request.user.pk), request, answer, timeout=FEED_SECONDS)


class Privacy(APIView):
    @extend_schema(summary="Your private-profile setting and follower e-mails", responses=PrivacySerializer)
    def get(self, request):
        return Response(self._out(request.user))

    @extend_schema(summary="Change them", request=PrivacySerializer, responses=PrivacySerializer)
    def patch(self, request):
        incoming = PrivacySerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if "is_private" in data:
            services.privacy_set(user=request.user, is_private=data["is_private"])
        services.preferences_update(
            user=request.user,
            notify_new_follower=data.get("notify_new_follower"),
            notify_follow_request=data.get("notify_follow_request"),
        )
        request.user.profile.refresh_from_db(fields=["is_private"])
        return Response(self._out(request.user))

    def _out(self, user) -> dict:
        prefs = selectors.preferences(user_id=user.pk)
        return {
            "is_private": user.profile.is_private,
            "notify_new_follower": prefs.notify_new_follower,
            "notify_follow_request": prefs.notify_follow_request,
        }
