from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from core.api import EnumField, StrictBooleanField, StrictIntegerField

from .covers import COVER_SIZES, cover_png_urls
from .models import MAX_RELEASE_YEAR, MIN_RELEASE_YEAR, Title, TitleType


def _absolute(url: str) -> str:
    # Absolute, from the configured site URL (never the Host header).
    return settings.SITE_URL + url if url.startswith("/") else url


@extend_schema_field(
    {
        "type": "string",
        "format": "uri",
        "description": "The uploaded cover, or a PNG placeholder (400x600) drawn from the type and the name.",
    }
)
class CoverField(serializers.Field):
    def __init__(self, **kwargs):
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, title):
        return _absolute(cover_png_urls(title)["medium"])


@extend_schema_field(
    {
        "type": "object",
        "description": "The cover for a srcset: "
        + ", ".join(f"`{name}` {w}x{h}" for name, (w, h) in COVER_SIZES.items())
        + " (a PNG placeholder at each size; an uploaded cover is one file, at every size).",
        "properties": {name: {"type": "string", "format": "uri"} for name in COVER_SIZES},
        "required": list(COVER_SIZES),
    }
)
class CoverUrlsField(CoverField):
    def to_representation(self, title):
        return {size: _absolute(url) for size, url in cover_png_urls(title).items()}


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": "The ids the title is known by, per provider: tmdb, igdb, anilist, imdb, mal.",
        "example": {"tmdb": "movie/603", "imdb": "tt0133093"},
    }
)
class ExternalIdsField(serializers.Field):
    """``{"tmdb": "movie/603", "imdb": "tt0133093"}``: one id per provider (the model's constraint)."""

    def __init__(self, **kwargs):
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, title):
        return {row.provider: row.external_id for row in title.external_ids.all()}


# The component names these had as ``...Serializer``; set on each class, since a
# subclass would otherwise inherit its parent's.
@extend_schema_serializer(component_name="TitleBrief")
class TitleBriefOut(serializers.ModelSerializer):
    """A title embedded in another object (a walk, a review)."""

    cover = CoverField()
    cover_urls = CoverUrlsField()

    class Meta:
        model = Title
        fields = ["id", "name", "type", "release_year", "cover", "cover_urls", "rating", "rating_count"]
        read_only_fields = fields


@extend_schema_serializer(component_name="Title")
class TitleOut(serializers.ModelSerializer):
    cover = CoverField()
    cover_urls = CoverUrlsField()
    external_ids = ExternalIdsField()

    class Meta:
        model = Title
        fields = [
            "id",
            "name",
            "type",
            "release_year",
            "description",
            "cover",
            "cover_urls",
            "rating",
            "rating_count",
            "external_ids",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TitleIn(serializers.Serializer):
    """The shape of a title sent by a curator; catalog.services checks the values."""

    # What the service checks, stated for clients too (it refuses unknown fields).
    schema_fields = {"release_year": {"minimum": MIN_RELEASE_YEAR, "maximum": MAX_RELEASE_YEAR}}
    schema_extra = {"additionalProperties": False}

    name = serializers.CharField(max_length=Title._meta.get_field("name").max_length, trim_whitespace=True)
    description = serializers.CharField(
        max_length=Title._meta.get_field("description").max_length, allow_blank=True, required=False
    )
    type = EnumField(choices=TitleType.choices, help_text="One of: " + ", ".join(TitleType.values))
    release_year = StrictIntegerField(help_text=f"{MIN_RELEASE_YEAR}..{MAX_RELEASE_YEAR}")
    force = StrictBooleanField(
        required=False,
        default=False,
        help_text="Add it even when the same type, name and year exists (answered 409 duplicate_title otherwise).",
    )


@extend_schema_serializer(component_name="TitlePatch")
class TitlePatchIn(TitleIn):
    """A curator's change: any of the fields (``force`` is for adding only)."""

    force = None


class CoverIn(serializers.Serializer):
    cover = serializers.FileField()
