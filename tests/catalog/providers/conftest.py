from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from catalog import providers

FIXTURES = Path(__file__).parent / "fixtures"


def recorded(name: str):
    return json.loads((FIXTURES / name).read_text())


class Recorder:
    """An httpx transport answering like the provider: ``handler(request)``
    returns a response; every request is kept for the test to look at."""

    def __init__(self, handler):
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)


@pytest.fixture
def no_sleep(monkeypatch):
    """Backoff waits recorded, not slept."""
    waits: list[float] = []
    monkeypatch.setattr("catalog.providers.base._sleep", waits.append)
    return waits


@pytest.fixture
def provider_with(settings, no_sleep):
    """``provider_with("anilist", handler)``: the configured adapter, its HTTP answered by ``handler``."""

    def make(name: str, handler):
        if name == "anilist":
            settings.ANILIST_ENABLED = True
            settings.ANILIST_API_URL = "https://graphql.anilist.co"
            settings.ANILIST_IMAGE_URL = "https://s4.anilist.co/file/anilistcdn"
        elif name == "tmdb":
            settings.TMDB_API_KEY = "k3y"
            settings.TMDB_API_URL = "https://api.themoviedb.org/3"
            settings.TMDB_IMAGE_URL = "https://image.tmdb.org/t/p/w500"
        elif name == "igdb":
            settings.IGDB_CLIENT_ID, settings.IGDB_CLIENT_SECRET = "cid", "secret"
            settings.IGDB_API_URL = "https://api.igdb.com/v4"
            settings.IGDB_TOKEN_URL = "https://id.twitch.tv/oauth2/token"
            settings.IGDB_IMAGE_URL = "https://images.igdb.com/igdb/image/upload"
        providers._instances.clear()
        adapter = providers.provider_get(name)
        adapter.min_interval = 0
        adapter.http.min_interval = 0
        recorder = Recorder(handler)
        adapter.http.use_transport(httpx.MockTransport(recorder))
        adapter.recorder = recorder
        return adapter

    return make


@pytest.fixture
def fake_anilist(settings, monkeypatch):
    """A local AniList over HTTP, configured as the anime provider (base URLs through settings)."""
    from catalog.providers.anilist import AniList

    from .fake_anilist import FakeAniList

    monkeypatch.setattr(AniList, "min_interval", 0.0)
    with FakeAniList() as fake:
        settings.ANILIST_ENABLED = True
        settings.ANILIST_API_URL = f"{fake.base}/graphql"
        settings.ANILIST_IMAGE_URL = f"{fake.base}/images"
        settings.PROVIDER_RETRIES = 1
        monkeypatch.setattr("catalog.providers.base._sleep", lambda s: None)
        providers._instances.clear()
        yield fake
        providers._instances.clear()
