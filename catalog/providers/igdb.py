"""IGDB API v4: games.

Every query is ``POST {IGDB_API_URL}/games`` with an Apicalypse body
(``search "..."; fields ...; limit n;``) and the headers ``Client-ID`` and
``Authorization: Bearer <token>``. The token comes from Twitch's
client-credentials grant (``POST {IGDB_TOKEN_URL}?client_id&client_secret&
grant_type=client_credentials`` → ``{access_token, expires_in}``) and is kept
in the shared cache until shortly before it expires. Covers are
``{IGDB_IMAGE_URL}/t_cover_big/{image_id}.jpg``. IGDB allows 4 requests a second.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache

from ..models import Provider, TitleType
from .base import MetadataProvider, ProviderNotFound, ProviderResult, ProviderUnavailable, bad_response, text

FIELDS = "fields name,summary,first_release_date,cover.image_id;"


def _quote(value: str) -> str:
    """A string literal in Apicalypse: no quote or backslash can end it early."""
    cleaned = "".join(ch for ch in value if ch not in '"\\;' and ch.isprintable())
    return f'"{cleaned}"'


class IGDB(MetadataProvider):
    name = Provider.IGDB
    label = "IGDB"
    types = (TitleType.GAME,)
    min_interval = 0.26
    attribution = "Game data from IGDB.com"

    @classmethod
    def configured(cls) -> bool:
        return bool(settings.IGDB_CLIENT_ID and settings.IGDB_CLIENT_SECRET)

    @property
    def image_url(self) -> str:
        return settings.IGDB_IMAGE_URL

    def _token_key(self) -> str:
        digest = hashlib.sha256(f"{settings.IGDB_CLIENT_ID}:{settings.IGDB_TOKEN_URL}".encode()).hexdigest()[:16]
        return f"catalog:igdb-token:{digest}"

    def token(self, *, fresh: bool = False) -> str:
        key = self._token_key()
        token = None if fresh else cache.get(key)
        if token:
            return token
        body = self.http.json(
            "POST",
            settings.IGDB_TOKEN_URL,
            # In the form body, not the query string: URLs get logged.
            data={
                "client_id": settings.IGDB_CLIENT_ID,
                "client_secret": settings.IGDB_CLIENT_SECRET,
                "grant_type": "client_credentials",
            },
        )
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise bad_response(self.name, "token")
        expires = body.get("expires_in")
        lifetime = int(expires) - 300 if isinstance(expires, int) and expires > 600 else 300
        cache.set(key, body["access_token"], lifetime)
        return body["access_token"]

    def _query(self, body: str, **kwargs: Any) -> list[Any]:
        url = f"{settings.IGDB_API_URL}/games"
        for attempt in range(2):
            headers = {
                "Client-ID": settings.IGDB_CLIENT_ID,
                "Authorization": f"Bearer {self.token(fresh=attempt > 0)}",
                "Accept": "application/json",
                "Content-Type": "text/plain",
            }
            response = self.http.request(
                "POST", url, content=body.encode(), headers=headers, accept=(401, 403), **kwargs
            )
            if response.status_code == 401 and attempt == 0:
                continue  # the token was revoked or expired early: get a new one once
            break
        if response.status_code in (401, 403):
            raise ProviderUnavailable(code="provider_unauthorized")
        if response.status_code == 404:
            raise ProviderNotFound()
        try:
            data = response.json()
        except ValueError:
            raise bad_response(self.name, "not JSON") from None
        if not isinstance(data, list):
            raise bad_response(self.name, "not a list")
        return data

    def _result(self, item: Any) -> ProviderResult | None:
        if not isinstance(item, dict) or not isinstance(item.get("id"), int):
            return None
        name = text(item.get("name"), 200)
        if not name:
            return None
        year = None
        released = item.get("first_release_date")
        if isinstance(released, int) and not isinstance(released, bool):
            try:
                year = datetime.fromtimestamp(released, tz=UTC).year
            except (OverflowError, OSError, ValueError):
                year = None
        cover = item.get("cover")
        image_id = cover.get("image_id") if isinstance(cover, dict) else None
        cover_url = ""
        if isinstance(image_id, str) and image_id.isalnum():
            cover_url = f"{self.image_url}/t_cover_big/{image_id}.jpg"
        return ProviderResult(
            provider=self.name,
            external_id=str(item["id"]),
            type=TitleType.GAME,
            name=name,
            release_year=year,
            description=text(item.get("summary"), 5000),
            cover_url=cover_url,
        )

    def search(self, *, type: str, query: str, year: int | None = None, language: str = "en") -> list[ProviderResult]:
        where = f" where first_release_date >= {int(datetime(year, 1, 1, tzinfo=UTC).timestamp())};" if year else ""
        body = f"search {_quote(query)}; {FIELDS}{where} limit 12;"
        return [r for r in map(self._result, self._query(body, retries=1)) if r]

    def fetch(self, *, external_id: str, type: str | None = None, language: str = "en") -> ProviderResult:
        if not external_id.isdigit():
            raise ProviderNotFound()
        items = [r for r in map(self._result, self._query(f"{FIELDS} where id = {int(external_id)};")) if r]
        if not items:
            raise ProviderNotFound()
        return items[0]

    def popular(self, *, type: str, page: int = 1, language: str = "en") -> list[ProviderResult]:
        offset = (page - 1) * 50
        body = f"{FIELDS} where total_rating_count != null; sort total_rating_count desc; limit 50; offset {offset};"
        return [r for r in map(self._result, self._query(body)) if r]
