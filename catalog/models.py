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


class Title(models.Model):
    name = models.CharField(_("name"), max_length=200)
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
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.release_year})"
