"""The API door to the metadata providers (catalog.provider_services)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import parse, query_choice
from core.ratelimit import client_ip
from core.schema import VISIBLE_TEXT

from . import provider_services
from .api_views import TITLE_DETAIL, _title_payload
from .models import Provider, TitleType
from .provider_services import EXTERNAL_ID_MAX
from .providers import providers_all, providers_for
from .selectors import SEARCH_MAX_LENGTH, clean_search, clean_type, title_with_external_ids

EXTERNAL_ID_PATTERN = r"^(?:[A-Za-z0-9/_-]|\.(?!\.))+$"
PROVIDERS = inline_serializer(
    "MetadataProvider",
    {
        "name": serializers.ChoiceField(choices=Provider.choices),
        "label": serializers.CharField(),
        "types": serializers.ListField(child=serializers.ChoiceField(choices=TitleType.choices)),
        "attribution": serializers.CharField(help_text="A notice to show beside the provider's data."),
    },
    many=True,
)
RESULT = inline_serializer(
    "ProviderResult",
    {
        "provider": serializers.ChoiceField(choices=Provider.choices),
        "external_id": serializers.CharField(help_text='The provider\'s id, e.g. "movie/603" (TMDB), "1942" (IGDB)'),
        "type": serializers.ChoiceField(choices=TitleType.choices),
        "name": serializers.CharField(),
        "release_year": serializers.IntegerField(allow_null=True),
        "cover_url": serializers.CharField(help_text="On the provider's image host; empty when it has none"),
        "title_id": serializers.IntegerField(allow_null=True, help_text="The title in Walks, when it is there"),
    },
    many=True,
)
SEARCH = inline_serializer(
    "ProviderSearch",
    {
        "provider": serializers.ChoiceField(choices=Provider.choices),
        "label": serializers.CharField(),
        "attribution": serializers.CharField(),
        "results": RESULT,
    },
)


class FromProviderIn(serializers.Serializer):
    provider = serializers.ChoiceField(choices=[Provider.TMDB, Provider.IGDB, Provider.ANILIST])
    # What provider_services.clean_external_id accepts, stated for clients: ASCII
    # letters, digits and / - _ . without "..".
    external_id = serializers.RegexField(
        EXTERNAL_ID_PATTERN, max_length=EXTERNAL_ID_MAX, trim_whitespace=False, help_text='e.g. "movie/603"'
    )


def _describe(provider) -> dict:
    return {
        "name": provider.name,
        "label": provider.label,
        "types": list(provider.types),
        "attribution": provider.attribution,
    }


def _language(request) -> str:
    return getattr(request, "LANGUAGE_CODE", None) or "en"


class ProviderList(APIView):
    error_codes = {400: ["invalid_type"]}

    @extend_schema(
        summary="The metadata providers configured here (a provider without credentials is absent)",
        parameters=[OpenApiParameter("type", str, enum=TitleType.values, description="Only those of this type")],
        responses={200: PROVIDERS},
    )
    def get(self, request):
        type_ = clean_type(query_choice(request, "type"), required=False)
        found = providers_for(type_) if type_ else providers_all()
        return Response([_describe(p) for p in found])


class ProviderSearch(APIView):
    error_codes = {
        400: [
            "type_required",
            "invalid_type",
            "search_required",
            "search_too_long",
            "invalid_search",
            "invalid_provider",
        ],
        404: ["provider_not_configured"],
        429: [],
        503: ["provider_unavailable", "provider_timeout", "provider_rate_limited", "provider_bad_response"],
    }

    @extend_schema(
        summary="Search the provider of a type (answers are cached for an hour)",
        parameters=[
            OpenApiParameter("type", str, required=True, enum=TitleType.values),
            OpenApiParameter(
                "q",
                {"type": "string", "maxLength": SEARCH_MAX_LENGTH, "pattern": VISIBLE_TEXT},
                required=True,
                description="Words of the name",
            ),
            OpenApiParameter("provider", str, enum=[Provider.TMDB, Provider.IGDB, Provider.ANILIST]),
        ],
        responses={200: SEARCH},
    )
    def get(self, request):
        params = request.query_params
        type_ = clean_type(params.get("type"), required=True)
        query = clean_search(params.get("q"))
        ident = f"user:{request.user.pk}" if request.user.is_authenticated else f"ip:{client_ip(request)}"
        data = provider_services.provider_results(
            type=type_,
            query=query,
            ident=ident,
            language=_language(request),
            provider=query_choice(request, "provider"),
        )
        return Response(data)


class TitleFromProvider(APIView):
    error_codes = {
        400: ["invalid_provider", "invalid_external_id", "provider_title_incomplete"],
        404: ["provider_not_configured", "provider_title_not_found"],
        429: [],
        503: ["provider_unavailable", "provider_timeout", "provider_rate_limited", "provider_bad_response"],
    }

    @extend_schema(
        summary="Add a title from a provider (any signed-in person), or get the one Walks has",
        request=FromProviderIn,
        responses={201: TITLE_DETAIL, 200: TITLE_DETAIL},
    )
    def post(self, request):
        incoming = parse(FromProviderIn, request.data)
        title, created = provider_services.title_add_from_provider(
            actor=request.user, language=_language(request), **incoming
        )
        title_with_external_ids(title)
        return Response(
            _title_payload(request, title), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
