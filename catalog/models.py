from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

MIN_RELEASE_YEAR = 1870
MAX_RELEASE_YEAR = 2100


class TitleType(models.TextChoices):
    GAME = "game", _("Game")
    FILM = "film", _("Film")
    SERIES = "series", _("Series")
    ANIME = "anime", _("Anime")


class Provider(models.TextChoices):
    """Where a title's data or an id of it comes from."""

    TMDB = "tmdb", "TMDB"
    IGDB = "igdb", "IGDB"
    ANILIST = "anilist", "AniList"
    IMDB = "imdb", "IMDb"
    MAL = "mal", "MyAnimeList"


class Title(models.Model):
    name = models.CharField(_("name"), max_length=200)
    # The name folded for matching (catalog.names.name_key), kept by the
    # services that write the name.
    name_key = models.CharField(max_length=200, editable=False, default="")
    # How the title came in: "" by a curator, a provider's name when added
    # from it, "import:<source>" when an imported history created it.
    origin = models.CharField(_("origin"), max_length=32, blank=True, default="", editable=False)
    cover = models.ImageField(_("cover"), upload_to="covers/", blank=True)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    type = models.CharField(_("type"), max_length=16, choices=TitleType.choices)
    release_year = models.PositiveSmallIntegerField(_("release year"))
    # Mean of the ratings of the title's reviews, null while there are none.
    # Written only by reviews.services.title_rating_recompute.
    rating = models.FloatField(_("rating"), null=True, blank=True, editable=False)
    rating_count = models.PositiveIntegerField(_("number of ratings"), default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("title")
        verbose_name_plural = _("titles")
        constraints = [
            models.CheckConstraint(condition=models.Q(type__in=TitleType.values), name="catalog_title_type_valid"),
            models.CheckConstraint(
                condition=models.Q(release_year__gte=MIN_RELEASE_YEAR, release_year__lte=MAX_RELEASE_YEAR),
                name="catalog_title_release_year_range",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=0, rating__lte=100),
                name="catalog_title_rating_range",
            ),
        ]
        indexes = [
            models.Index(fields=["type", "id"], name="title_type_id"),
            models.Index(fields=["type", "release_year", "id"], name="title_type_year"),
            models.Index(fields=["type", "rating", "id"], name="title_type_rating"),
            models.Index(fields=["type", "name_key", "release_year"], name="title_type_name_key"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.release_year})"

    def save(self, *args, **kwargs):
        # The key follows the name however the row is written (services,
        # factories, fixtures): it is a derived column, not business logic.
        from .names import name_key

        self.name_key = name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)


class ExternalId(models.Model):
    """An id a title is known by at a provider (unique per provider), or a
    cross-reference (an IMDb or MyAnimeList id)."""

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="external_ids")
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    external_id = models.CharField(_("external id"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("external id")
        verbose_name_plural = _("external ids")
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_id"], name="catalog_external_id_unique"),
            models.UniqueConstraint(fields=["title", "provider"], name="catalog_external_id_one_per_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.external_id}"
