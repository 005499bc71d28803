"""TMDB (The Movie Database) API v3: films and series.

Search: ``GET /search/movie`` and ``/search/tv`` (``query``, ``year`` or
``first_air_date_year``, ``language``), one title: ``GET /movie/{id}`` or
``/tv/{id}`` with ``append_to_response=external_ids`` (the IMDb id), popular:
``GET /movie/popular`` and ``/tv/popular``. Images are ``{TMDB_IMAGE_URL}{poster_path}``.
Authentication is a v3 API key (``api_key`` query parameter) or a v4 read
access token (``Authorization: Bearer``). TMDB's terms ask for its notice and
logo wherever its data shows.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from ..models import Provider, TitleType
from .base import MetadataProvider, ProviderResult, bad_response, text, year_of

# TMDB's path for each of our types, and the key of its date and name.
KINDS = {TitleType.FILM: ("movie", "release_date", "title"), TitleType.SERIES: ("tv", "first_air_date", "name")}


class TMDB(MetadataProvider):
    name = Provider.TMDB
    label = "TMDB"
    types = (TitleType.FILM, TitleType.SERIES)
    # TMDB allows about 50 requests a second; stay well under it.
    min_interval = 0.025
    attribution = "This product uses the TMDB API but is not endorsed or certified by TMDB."

    @classmethod
    def configured(cls) -> bool:
        return bool(settings.TMDB_API_KEY)

    @property
    def image_url(self) -> str:
        return settings.TMDB_IMAGE_URL

    def _get(self, path: str, params: dict[str, Any], **kwargs: Any) -> Any:
        key = settings.TMDB_API_KEY
        headers = {"Accept": "application/json"}
        if key.count(".") == 2:  # a v4 read-access token (a JWT)
            headers["Authorization"] = f"Bearer {key}"
        else:
            params = {**params, "api_key": key}
        return self.http.json("GET", f"{settings.TMDB_API_URL}{path}", params=params, headers=headers, **kwargs)

    def _result(self, item: Any, type: str) -> ProviderResult | None:
        kind, date_key, name_key = KINDS[type]
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            return None
        name = text(item.get(name_key) or item.get("original_" + name_key), 200)
        if not name:
            return None
        poster = item.get("poster_path")
        cover = f"{self.image_url}{poster}" if isinstance(poster, str) and poster.startswith("/") else ""
        external: dict[str, str] = {}
        ids = item.get("external_ids")
        if isinstance(ids, dict) and isinstance(ids.get("imdb_id"), str) and ids["imdb_id"].startswith("tt"):
            external[Provider.IMDB] = ids["imdb_id"][:64]
        return ProviderResult(
            provider=self.name,
            # One TMDB id space per kind: a film and a series may share a number.
            external_id=f"{kind}/{item['id']}",
            type=type,
            name=name,
            release_year=year_of(item.get(date_key)),
            description=text(item.get("overview"), 5000),
            cover_url=cover,
            external_ids=external,
        )

    def _results(self, body: Any, type: str) -> list[ProviderResult]:
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise bad_response(self.name, "no results list")
        return [r for r in (self._result(item, type) for item in body["results"]) if r]

    def search(self, *, type: str, query: str, year: int | None = None, language: str = "en") -> list[ProviderResult]:
        kind, _, _ = KINDS[type]
        params: dict[str, Any] = {"query": query, "language": language, "include_adult": "false", "page": 1}
        if year:
            params["year" if kind == "movie" else "first_air_date_year"] = year
        return self._results(self._get(f"/search/{kind}", params, retries=1), type)

    def fetch(self, *, external_id: str, type: str | None = None, language: str = "en") -> ProviderResult:
        kind, _, number = external_id.partition("/")
        types = {v[0]: k for k, v in KINDS.items()}
        if kind not in types or not number.isdigit():
            from .base import ProviderNotFound

            raise ProviderNotFound()
        body = self._get(f"/{kind}/{number}", {"language": language, "append_to_response": "external_ids"})
        result = self._result(body, types[kind])
        if result is None:
            raise bad_response(self.name, "no id or name")
        return result

    def popular(self, *, type: str, page: int = 1, language: str = "en") -> list[ProviderResult]:
        kind, _, _ = KINDS[type]
        return self._results(self._get(f"/{kind}/popular", {"language": language, "page": page}), type)
