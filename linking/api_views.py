"""REST endpoints for linking. Thin: parse, call a service, respond."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import parse
from core.ratelimit import client_ip
from core.schema import VISIBLE_TEXT

from . import selectors, services
from .serializers import (
    AccountOut,
    LinkDoneOut,
    OfferCreatedOut,
    OfferCreateIn,
    OfferOut,
    OfferSeenOut,
    OverviewOut,
    SecretIn,
    SecretQueryIn,
    SwitchOut,
)

TAG = ["linked accounts"]


def _private(response: Response) -> Response:
    """Replies that carry or answer a secret are never cached nor referred."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


class MyLinkedAccountsView(APIView):
    error_codes = {
        "post": {
            400: ["email_required", "link_self"],
            404: ["user_not_found"],
            409: ["already_linked_together", "already_linked", "try_again"],
            429: [],
            503: ["email_unavailable"],
        }
    }

    @extend_schema(tags=TAG, responses=OverviewOut, summary="My linked accounts and open offers")
    def get(self, request: Request) -> Response:
        user = request.user
        return Response(
            {
                "accounts": AccountOut(selectors.group_members(user), many=True).data,
                "incoming": OfferOut(selectors.offers_incoming(user), many=True, context={"direction": "in"}).data,
                "outgoing": OfferOut(selectors.offers_outgoing(user), many=True, context={"direction": "out"}).data,
            }
        )

    @extend_schema(
        tags=TAG,
        request=OfferCreateIn,
        responses={201: OfferCreatedOut},
        summary="Offer to join the group of another account (A → B)",
        description=(
            "Returns the secret and the link to pass to B (shown once). A second offer to the same address "
            "while one is open replaces it. The reply is the same whether or not an account has this e-mail "
            "(an offer to an unknown address simply never arrives). 400 `link_self`, 409 `already_linked` / "
            "`already_linked_together`, 429 `rate_limited`."
        ),
    )
    def post(self, request: Request) -> Response:
        data = parse(OfferCreateIn, request.data)
        created = services.link_offer_create(user=request.user, email=data["email"], ip=client_ip(request))
        body = {
            "id": created.offer.pk,
            "email": created.offer.target_email,
            "secret": created.secret,
            "linkStatus": created.offer.status,
            "link": created.link,
            "expires_at": created.offer.expires_at,
        }
        return _private(Response(OfferCreatedOut(body).data, status=status.HTTP_201_CREATED))


class LeaveGroupView(APIView):
    error_codes = {409: ["not_linked", "try_again"]}

    @extend_schema(tags=TAG, request=None, responses={204: None}, summary="Leave my group of linked accounts")
    def delete(self, request: Request) -> Response:
        services.group_leave(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupMemberView(APIView):
    error_codes = {404: ["not_in_group"], 409: ["not_linked", "try_again"]}

    @extend_schema(
        tags=TAG, request=None, responses={204: None}, summary="Take another account out of my group (unlink it)"
    )
    def delete(self, request: Request, pk: int) -> Response:
        services.group_leave(user=request.user, member_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SwitchView(APIView):
    error_codes = {400: ["switch_self"], 403: ["not_linked_account"]}

    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: SwitchOut},
        summary="Switch to another account of my group",
        description="Returns a token pair for that account. 403 `not_linked_account` if it is not in your group.",
    )
    def post(self, request: Request, pk: int) -> Response:
        target, pair = services.account_switch_tokens(user=request.user, target_id=pk, ip=client_ip(request))
        return _private(Response({"user": AccountOut(target).data, **pair}))


class OfferCancelView(APIView):
    error_codes = {404: ["offer_not_found"]}

    @extend_schema(tags=TAG, request=None, responses={204: None}, summary="Withdraw an open offer I made")
    def delete(self, request: Request, pk: int) -> Response:
        services.link_offer_cancel(user=request.user, offer_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LinkedAccountsView(APIView):
    error_codes = {
        400: ["secret_required"],
        404: ["link_not_found"],
        409: ["already_linked_together", "already_linked", "link_own_offer", "try_again"],
        410: ["link_expired", "link_used", "link_withdrawn", "link_declined"],
        429: [],  # wrong secrets are limited per person (link-secret-user)
    }

    @extend_schema(
        tags=TAG,
        parameters=[
            OpenApiParameter("secret", {"type": "string", "minLength": 1, "pattern": VISIBLE_TEXT}, required=True)
        ],
        responses={200: OfferSeenOut},
        summary="B looks at an offer (marks it seen)",
        description="Safe to repeat. 404 `link_not_found` unless you are B; 410 when used, declined, withdrawn or expired.",
    )
    def get(self, request: Request) -> Response:
        data = parse(SecretQueryIn, request.query_params)
        offer = services.link_offer_view(user=request.user, secret=data["secret"])
        body = {
            "id": offer.pk,
            "email": offer.source_user.email,
            "username": offer.source_user.profile.username,
            "linkStatus": offer.status,
            "expires_at": offer.expires_at,
        }
        return _private(Response(OfferSeenOut(body).data))

    @extend_schema(
        tags=TAG,
        request=SecretIn,
        responses={201: LinkDoneOut},
        summary="B accepts an offer: A joins B's group",
        description="By `secret` or by `id` (from your incoming list). 409 if A is already linked elsewhere.",
    )
    def post(self, request: Request) -> Response:
        data = parse(SecretIn, request.data)
        offer = services.link_confirm(user=request.user, secret=data.get("secret"), offer_id=data.get("id"))
        return _private(Response(_done(offer), status=status.HTTP_201_CREATED))


class DeclineView(APIView):
    error_codes = {
        400: ["secret_required"],
        404: ["link_not_found"],
        409: ["link_own_offer"],
        410: ["link_expired", "link_used", "link_withdrawn", "link_declined"],
        429: [],
    }

    @extend_schema(tags=TAG, request=SecretIn, responses={200: LinkDoneOut}, summary="B declines an offer")
    def post(self, request: Request) -> Response:
        data = parse(SecretIn, request.data)
        offer = services.link_decline(user=request.user, secret=data.get("secret"), offer_id=data.get("id"))
        return _private(Response(_done(offer)))


def _done(offer) -> dict:
    return LinkDoneOut(
        {
            "id": offer.pk,
            "email": offer.source_user.email,
            "username": offer.source_user.profile.username,
            "linkStatus": offer.status,
        }
    ).data
