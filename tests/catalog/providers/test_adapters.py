"""Each adapter against responses in the shape its provider documents."""

from __future__ import annotations

import json

import httpx
import pytest

from catalog import providers
from catalog.providers.base import CoverRefused, ProviderNotFound, ProviderUnavailable, url_allowed
from tests.catalog.conftest import image_bytes

from .conftest import recorded


def ok(body, status=200, headers=None):
    return httpx.Response(status, json=body, headers=headers)


# --- AniList ---------------------------------------------------------------------------------


def test_anilist_search_reads_the_graphql_page(provider_with):
    adapter = provider_with("anilist", lambda request: ok(recorded("anilist_search.json")))
    results = adapter.search(type="anime", query="bebop")
    assert [(r.external_id, r.name, r.release_year) for r in results] == [
        ("1", "Cowboy Bebop", 1998),
        ("5", "Cowboy Bebop: The Movie", 2001),
    ]
    assert results[0].external_ids == {"mal": "1"}
    assert results[0].cover_url.startswith("https://s4.anilist.co/file/anilistcdn/")
    sent = json.loads(adapter.recorder.requests[0].content)
    assert sent["variables"] == {"search": "bebop", "perPage": 12}
    assert "Page(" in sent["query"] and "idMal" in sent["query"] and "coverImage" in sent["query"]


def test_anilist_fetch_strips_html_from_the_description(provider_with):
    adapter = provider_with("anilist", lambda request: ok(recorded("anilist_media_1.json")))
    result = adapter.fetch(external_id="1")
    assert result.name == "Cowboy Bebop"
    assert "<br>" not in result.description and "Bounty Hunters" in result.description
    assert json.loads(adapter.recorder.requests[0].content)["variables"] == {"id": 1}


def test_anilist_not_found(provider_with):
    adapter = provider_with("anilist", lambda request: ok(recorded("anilist_not_found.json"), status=404))
    with pytest.raises(ProviderNotFound):
        adapter.fetch(external_id="999999")
    with pytest.raises(ProviderNotFound):
        adapter.fetch(external_id="not-a-number")
    assert len(adapter.recorder.requests) == 1


def test_a_429_is_retried_after_the_time_retry_after_gives(provider_with, no_sleep):
    answers = iter(
        [
            ok(recorded("anilist_too_many.json"), status=429, headers={"Retry-After": "2"}),
            ok(recorded("anilist_media_1.json")),
        ]
    )
    adapter = provider_with("anilist", lambda request: next(answers))
    assert adapter.fetch(external_id="1").name == "Cowboy Bebop"
    assert no_sleep == [2.0]


def test_a_retry_after_beyond_the_cap_gives_up_at_once_with_503(provider_with, no_sleep, settings):
    settings.PROVIDER_RETRY_AFTER_MAX_SECONDS = 5
    adapter = provider_with(
        "anilist", lambda request: ok(recorded("anilist_too_many.json"), status=429, headers={"Retry-After": "60"})
    )
    with pytest.raises(ProviderUnavailable) as caught:
        adapter.fetch(external_id="1")
    assert caught.value.status == 503 and caught.value.code == "provider_rate_limited"
    assert caught.value.headers["Retry-After"] == "60"
    assert len(adapter.recorder.requests) == 1 and no_sleep == []


def test_5xx_is_retried_with_backoff_then_unavailable(provider_with, no_sleep, settings):
    settings.PROVIDER_RETRIES = 2
    adapter = provider_with("anilist", lambda request: httpx.Response(502, text="Bad gateway"))
    with pytest.raises(ProviderUnavailable) as caught:
        adapter.fetch(external_id="1")
    assert caught.value.code == "provider_unavailable"
    assert len(adapter.recorder.requests) == 3
    assert no_sleep == [0.5, 1.0]


def test_a_timeout_is_retried_then_unavailable(provider_with, no_sleep, settings):
    settings.PROVIDER_RETRIES = 1

    def slow(request):
        raise httpx.ReadTimeout("timed out", request=request)

    adapter = provider_with("anilist", slow)
    with pytest.raises(ProviderUnavailable) as caught:
        adapter.fetch(external_id="1")
    assert caught.value.code == "provider_timeout"
    assert len(adapter.recorder.requests) == 2


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, json={"data": {"Page": {"media": "nope"}}}),
        httpx.Response(200, json={"data": None, "errors": [{"message": "Syntax Error", "status": 400}]}),
    ],
)
def test_malformed_bodies_are_unavailable_not_a_crash(provider_with, response):
    adapter = provider_with("anilist", lambda request: response)
    with pytest.raises(ProviderUnavailable) as caught:
        adapter.search(type="anime", query="x")
    assert caught.value.code == "provider_bad_response"


def test_malformed_items_are_skipped(provider_with):
    body = {
        "data": {"Page": {"media": [None, {"id": "x"}, {"id": 3, "title": {}}, {"id": 4, "title": {"romaji": "Ok"}}]}}
    }
    adapter = provider_with("anilist", lambda request: ok(body))
    assert [r.external_id for r in adapter.search(type="anime", query="x")] == ["4"]


def test_a_redirect_is_not_followed(provider_with):
    adapter = provider_with(
        "anilist", lambda request: httpx.Response(302, headers={"Location": "http://169.254.169.254/"})
    )
    with pytest.raises(ProviderUnavailable):
        adapter.fetch(external_id="1")
    assert len(adapter.recorder.requests) == 1


# --- Covers: the provider's image host only -------------------------------------------------


def _images(request):
    if request.url.path.endswith(".png"):
        return httpx.Response(200, content=image_bytes(size=(60, 90)), headers={"Content-Type": "image/png"})
    if request.url.path.endswith(".html"):
        return httpx.Response(200, text="<html>", headers={"Content-Type": "text/html"})
    if request.url.path.endswith("/moved.jpg"):
        return httpx.Response(302, headers={"Location": "http://127.0.0.1:6379/"})
    return httpx.Response(200, content=b"x" * 5000, headers={"Content-Type": "image/jpeg"})


def test_a_cover_on_the_image_host_is_downloaded(provider_with):
    adapter = provider_with("anilist", _images)
    data = adapter.download_cover("https://s4.anilist.co/file/anilistcdn/media/anime/cover/large/bx1.png")
    assert data.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/file/anilistcdn/x.png",
        "http://s4.anilist.co/file/anilistcdn/x.png",  # another scheme
        "https://s4.anilist.co:8443/file/anilistcdn/x.png",  # another port
        "https://s4.anilist.co/elsewhere/x.png",  # outside the configured path
        "https://s4.anilist.co/file/anilistcdn/../../x.png",
        "https://user:pw@s4.anilist.co/file/anilistcdn/x.png",
        "http://127.0.0.1:6379/file/anilistcdn/x.png",
        "file:///etc/passwd",
    ],
)
def test_a_cover_on_a_foreign_host_is_refused_without_a_request(provider_with, url):
    adapter = provider_with("anilist", _images)
    with pytest.raises(CoverRefused) as caught:
        adapter.download_cover(url)
    assert caught.value.code == "cover_host_refused"
    assert adapter.recorder.requests == []


def test_a_cover_redirected_elsewhere_wrong_type_or_too_large_is_refused(provider_with, settings):
    adapter = provider_with("anilist", _images)
    base = "https://s4.anilist.co/file/anilistcdn"
    with pytest.raises(CoverRefused) as caught:
        adapter.download_cover(f"{base}/moved.jpg")
    assert caught.value.code == "cover_unavailable"
    assert len(adapter.recorder.requests) == 1  # the redirect was not followed
    with pytest.raises(CoverRefused) as caught:
        adapter.download_cover(f"{base}/page.html")
    assert caught.value.code == "cover_type_refused"
    settings.PROVIDER_COVER_MAX_BYTES = 4000
    with pytest.raises(CoverRefused) as caught:
        adapter.download_cover(f"{base}/big.jpg")
    assert caught.value.code == "cover_too_large"


def test_url_allowed_compares_host_case_insensitively():
    assert url_allowed("https://Image.TMDB.org/t/p/w500/a.jpg", "https://image.tmdb.org/t/p/w500")
    assert not url_allowed("https://image.tmdb.org.evil.example/t/p/w500/a.jpg", "https://image.tmdb.org/t/p/w500")


# --- TMDB ------------------------------------------------------------------------------------


def test_tmdb_search_films_and_series(provider_with):
    def handler(request):
        assert request.url.params["api_key"] == "k3y"
        if request.url.path == "/3/search/movie":
            return ok(recorded("tmdb_search_movie.json"))
        if request.url.path == "/3/search/tv":
            return ok(recorded("tmdb_search_tv.json"))
        return httpx.Response(404, json={"success": False, "status_code": 34})

    adapter = provider_with("tmdb", handler)
    films = adapter.search(type="film", query="matrix", year=1999, language="en")
    assert [(f.external_id, f.name, f.release_year) for f in films] == [
        ("movie/603", "The Matrix", 1999),
        ("movie/684731", "The Matrix Resurrections: Behind the Scenes", None),
    ]
    assert films[0].cover_url == "https://image.tmdb.org/t/p/w500/f89U3ADr1oiB1s9GkdPOEpXUk5H.jpg"
    assert films[1].cover_url == ""
    assert adapter.recorder.requests[0].url.params["year"] == "1999"
    series = adapter.search(type="series", query="breaking bad", language="ru")
    assert series[0].external_id == "tv/1396" and series[0].name == "Во все тяжкие"
    assert adapter.recorder.requests[1].url.params["language"] == "ru"


def test_tmdb_fetch_appends_external_ids_for_the_imdb_id(provider_with):
    def handler(request):
        assert request.url.path == "/3/movie/603"
        assert request.url.params["append_to_response"] == "external_ids"
        return ok(recorded("tmdb_movie_603.json"))

    adapter = provider_with("tmdb", handler)
    result = adapter.fetch(external_id="movie/603")
    assert result.type == "film" and result.release_year == 1999
    assert result.external_ids == {"imdb": "tt0133093"}
    with pytest.raises(ProviderNotFound):
        adapter.fetch(external_id="person/1")


def test_tmdb_read_access_token_goes_in_the_header(provider_with, settings):
    adapter = provider_with("tmdb", lambda request: ok(recorded("tmdb_movie_popular.json")))
    settings.TMDB_API_KEY = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ4In0.c2ln"
    assert [r.name for r in adapter.popular(type="film")] == ["The Matrix", "Inception"]
    request = adapter.recorder.requests[0]
    assert request.headers["Authorization"].startswith("Bearer eyJ") and "api_key" not in request.url.params


def test_tmdb_without_a_key_is_absent(settings):
    settings.TMDB_API_KEY = ""
    providers._instances.clear()
    assert "tmdb" not in [p.name for p in providers.providers_all()]
    assert providers.providers_for("film") == []


# --- IGDB ------------------------------------------------------------------------------------


def test_igdb_gets_a_token_once_and_queries_with_apicalypse(provider_with):
    def handler(request):
        if request.url.host == "id.twitch.tv":
            assert b"grant_type=client_credentials" in request.content and not request.url.query
            return ok(recorded("igdb_token.json"))
        assert request.headers["Client-ID"] == "cid"
        assert request.headers["Authorization"] == "Bearer prau3ol6mg5glgek8m89ec2s9q5i3i"
        return ok(recorded("igdb_games_search.json"))

    adapter = provider_with("igdb", handler)
    results = adapter.search(type="game", query='witcher"; fields *; where id > 0')
    assert [(r.external_id, r.release_year) for r in results] == [("1942", 2015), ("11169", 2016), ("999999", None)]
    assert results[0].cover_url == "https://images.igdb.com/igdb/image/upload/t_cover_big/co1wyy.jpg"
    body = adapter.recorder.requests[1].content.decode()
    assert body.startswith('search "witcher fields * where id > 0";')  # the quote could not end the string
    adapter.search(type="game", query="zelda")
    assert [r.url.host for r in adapter.recorder.requests].count("id.twitch.tv") == 1  # the token is kept


def test_igdb_gets_a_new_token_when_the_old_one_is_refused(provider_with):
    tokens = iter(["old", "new"])

    def handler(request):
        if request.url.host == "id.twitch.tv":
            return ok({"access_token": next(tokens), "expires_in": 5000000, "token_type": "bearer"})
        if request.headers["Authorization"] == "Bearer old":
            return httpx.Response(401, json={"message": "Authorization Failure"})
        return ok(recorded("igdb_game_1942.json"))

    adapter = provider_with("igdb", handler)
    assert adapter.fetch(external_id="1942").name == "The Witcher 3: Wild Hunt"


def test_igdb_fetch_of_an_unknown_id(provider_with):
    adapter = provider_with(
        "igdb",
        lambda request: ok(recorded("igdb_token.json")) if request.url.host == "id.twitch.tv" else ok([]),
    )
    with pytest.raises(ProviderNotFound):
        adapter.fetch(external_id="123")


# --- The shared search cache -------------------------------------------------------------


def test_searches_are_cached_for_an_hour_and_failures_are_not(provider_with):
    answers = iter([httpx.Response(503), httpx.Response(503), ok(recorded("anilist_search.json"))])
    adapter = provider_with("anilist", lambda request: next(answers))
    with pytest.raises(ProviderUnavailable):
        providers.provider_search(adapter, type="anime", query="Bebop")
    first = providers.provider_search(adapter, type="anime", query="Bebop")
    again = providers.provider_search(adapter, type="anime", query="  bebop ")
    assert first == again and len(adapter.recorder.requests) == 3
    assert providers.SEARCH_CACHE_SECONDS == 3600
