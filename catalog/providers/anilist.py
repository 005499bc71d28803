"""AniList GraphQL API: anime. No key needed, so it works on every install.

``POST {ANILIST_API_URL}`` with ``{"query", "variables"}``; the answer is
``{"data": {"Page": {"media": [...]}}}`` or ``{"data": {"Media": {...}}}``,
or ``{"errors": [{"message", "status"}], "data": null}``. Each media item has
``id``, ``idMal`` (the MyAnimeList id), ``title {romaji english native}``,
``description``, ``startDate {year}``, ``seasonYear`` and ``coverImage
{extraLarge large}`` (on AniList's CDN). AniList allows 90 requests a minute
(30 while degraded); 429 answers carry ``Retry-After``.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from django.conf import settings

from ..models import Provider, TitleType
from .base import MetadataProvider, ProviderNotFound, ProviderResult, ProviderUnavailable, bad_response, text

MEDIA_FIELDS = """
  id
  idMal
  title { romaji english native }
  description(asHtml: false)
  startDate { year }
  seasonYear
  coverImage { extraLarge large }
"""
SEARCH = (
    "query ($search: String, $year: Int, $perPage: Int) {"
    " Page(page: 1, perPage: $perPage) {"
    " media(search: $search, type: ANIME, seasonYear: $year, isAdult: false, sort: SEARCH_MATCH) {" + MEDIA_FIELDS + "}"
    " } }"
)
POPULAR = (
    "query ($page: Int, $perPage: Int) {"
    " Page(page: $page, perPage: $perPage) {"
    " media(type: ANIME, isAdult: false, sort: POPULARITY_DESC) {" + MEDIA_FIELDS + "}"
    " } }"
)
ONE = "query ($id: Int) { Media(id: $id, type: ANIME) {" + MEDIA_FIELDS + "} }"
TAGS = re.compile(r"<[^>]+>")


class AniList(MetadataProvider):
    name = Provider.ANILIST
    label = "AniList"
    types = (TitleType.ANIME,)
    min_interval = 0.7  # 90 a minute
    attribution = "Anime data from AniList"

    @classmethod
    def configured(cls) -> bool:
        return bool(settings.ANILIST_ENABLED and settings.ANILIST_API_URL)

    @property
    def image_url(self) -> str:
        return settings.ANILIST_IMAGE_URL

    def _post(self, query: str, variables: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        body = self.http.json(
            "POST",
            settings.ANILIST_API_URL,
            json={"query": query, "variables": variables},
            headers={"Accept": "application/json"},
            **kwargs,
        )
        if not isinstance(body, dict):
            raise bad_response(self.name, "not an object")
        errors = body.get("errors")
        data = body.get("data")
        if errors and not data:
            statuses = {e.get("status") for e in errors if isinstance(e, dict)}
            if 404 in statuses:
                raise ProviderNotFound()
            if 429 in statuses:
                raise ProviderUnavailable(code="provider_rate_limited")
            raise bad_response(self.name, "errors")
        if not isinstance(data, dict):
            raise bad_response(self.name, "no data")
        return data

    def _result(self, item: Any) -> ProviderResult | None:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            return None
        titles = item.get("title") if isinstance(item.get("title"), dict) else {}
        name = text(titles.get("english") or titles.get("romaji") or titles.get("native"), 200)
        if not name:
            return None
        start = item.get("startDate") if isinstance(item.get("startDate"), dict) else {}
        year = start.get("year") if isinstance(start.get("year"), int) else item.get("seasonYear")
        cover = item.get("coverImage") if isinstance(item.get("coverImage"), dict) else {}
        cover_url = cover.get("extraLarge") or cover.get("large") or ""
        description = item.get("description")
        if isinstance(description, str):
            description = unescape(TAGS.sub("", description.replace("<br>", "\n")))
        external = {}
        if isinstance(item.get("idMal"), int):
            external[Provider.MAL] = str(item["idMal"])
        return ProviderResult(
            provider=self.name,
            external_id=str(item["id"]),
            type=TitleType.ANIME,
            name=name,
            release_year=year if isinstance(year, int) and not isinstance(year, bool) else None,
            description=text(description, 5000),
            cover_url=cover_url if isinstance(cover_url, str) else "",
            external_ids=external,
        )

    def _page(self, data: dict[str, Any]) -> list[ProviderResult]:
        page = data.get("Page")
        media = page.get("media") if isinstance(page, dict) else None
        if not isinstance(media, list):
            raise bad_response(self.name, "no media list")
        return [r for r in map(self._result, media) if r]

    def search(self, *, type: str, query: str, year: int | None = None, language: str = "en") -> list[ProviderResult]:
        variables: dict[str, Any] = {"search": query, "perPage": 12}
        if year:
            variables["year"] = year
        return self._page(self._post(SEARCH, variables, retries=1))

    def fetch(self, *, external_id: str, type: str | None = None, language: str = "en") -> ProviderResult:
        if not external_id.isdigit() or len(external_id) > 12:
            raise ProviderNotFound()
        data = self._post(ONE, {"id": int(external_id)})
        if data.get("Media") is None:
            raise ProviderNotFound()
        result = self._result(data.get("Media"))
        if result is None:
            raise bad_response(self.name, "media without id or title")
        return result

    def popular(self, *, type: str, page: int = 1, language: str = "en") -> list[ProviderResult]:
        return self._page(self._post(POPULAR, {"page": page, "perPage": 50}))
