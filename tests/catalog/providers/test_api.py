from __future__ import annotations

import pytest

from catalog.models import ExternalId, Title
from tests.catalog.factories import TitleFactory

pytestmark = pytest.mark.django_db


def test_providers_lists_the_configured_ones(auth_client, fake_anilist):
    response = auth_client.get("/api/v1/providers")
    assert response.status_code == 200
    assert response.json() == [
        {"name": "anilist", "label": "AniList", "types": ["anime"], "attribution": "Anime data from AniList"}
    ]
    assert auth_client.get("/api/v1/providers", {"type": "film"}).json() == []
    assert auth_client.get("/api/v1/providers", {"type": "book"}).status_code == 400


def test_no_provider_configured_is_an_empty_list_and_a_404_search(auth_client):
    assert auth_client.get("/api/v1/providers").json() == []
    response = auth_client.get("/api/v1/providers/search", {"type": "anime", "q": "bebop"})
    assert response.status_code == 404 and response.json()["code"] == "provider_not_configured"


def test_search_payload(auth_client, fake_anilist):
    known = TitleFactory(type="anime", name="Bebop here")
    ExternalId.objects.create(title=known, provider="anilist", external_id="5")
    response = auth_client.get("/api/v1/providers/search", {"type": "anime", "q": "bebop"})
    assert response.status_code == 200
    body = response.json()
    assert body["provider"] == "anilist" and body["attribution"]
    assert body["results"][0] == {
        "provider": "anilist",
        "external_id": "1",
        "type": "anime",
        "name": "Cowboy Bebop",
        "release_year": 1998,
        "cover_url": f"{fake_anilist.base}/images/bebop.png",
        "title_id": None,
    }
    assert body["results"][1]["title_id"] == known.pk
    assert body["results"][1]["cover_url"] == ""  # its cover is on another host: not offered


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"q": "x"}, "type_required"),
        ({"type": "book", "q": "x"}, "invalid_type"),
        ({"type": "anime", "q": ""}, "search_required"),
        ({"type": "anime", "q": "x" * 101}, "search_too_long"),
    ],
)
def test_search_refuses_bad_input(auth_client, fake_anilist, params, code):
    response = auth_client.get("/api/v1/providers/search", params)
    assert response.status_code == 400 and response.json()["code"] == code


def test_a_provider_down_is_503_with_its_code(auth_client, fake_anilist):
    fake_anilist.down = True
    response = auth_client.get("/api/v1/providers/search", {"type": "anime", "q": "bebop"})
    assert response.status_code == 503
    assert response.json()["code"] == "provider_unavailable"
    response = auth_client.post(
        "/api/v1/titles/from-provider", {"provider": "anilist", "external_id": "1"}, format="json"
    )
    assert response.status_code == 503


def test_from_provider_201_then_200(auth_client, fake_anilist, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.post(
            "/api/v1/titles/from-provider", {"provider": "anilist", "external_id": "1"}, format="json"
        )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Cowboy Bebop" and body["type"] == "anime" and body["release_year"] == 1998
    assert body["external_ids"] == {"anilist": "1", "mal": "1"}
    assert body["walk"] is None and body["review"] is None
    again = auth_client.post("/api/v1/titles/from-provider", {"provider": "anilist", "external_id": "1"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    detail = auth_client.get(f"/api/v1/titles/{body['id']}").json()
    assert detail["external_ids"] == {"anilist": "1", "mal": "1"}
    assert detail["cover"].endswith(".webp")
    assert Title.objects.count() == 1


def test_from_provider_needs_sign_in_and_good_input(api_client, auth_client, fake_anilist):
    payload = {"provider": "anilist", "external_id": "1"}
    assert api_client.post("/api/v1/titles/from-provider", payload, format="json").status_code == 401
    response = auth_client.post("/api/v1/titles/from-provider", {"provider": "imdb", "external_id": "1"}, format="json")
    assert response.status_code == 400
    response = auth_client.post("/api/v1/titles/from-provider", {"provider": "tmdb", "external_id": "1"}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "provider_not_configured"
    response = auth_client.post(
        "/api/v1/titles/from-provider", {"provider": "anilist", "external_id": "99999"}, format="json"
    )
    assert response.status_code == 404 and response.json()["code"] == "provider_title_not_found"
    assert not Title.objects.exists()


@pytest.mark.parametrize("n", [1, 20])
def test_the_title_list_carries_external_ids_in_constant_queries(auth_client, django_assert_max_num_queries, n):
    for i in range(n):
        ExternalId.objects.create(title=TitleFactory(type="game"), provider="igdb", external_id=str(i))
    # session + user (2); the count (1); the page (1); the ids of the page's titles (1)
    with django_assert_max_num_queries(5):
        response = auth_client.get("/api/v1/titles", {"type": "game", "page_size": 50})
    assert len(response.json()["results"]) == n
    assert all(item["external_ids"].keys() == {"igdb"} for item in response.json()["results"])


def test_the_schema_documents_the_endpoints(api_client):
    schema = api_client.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
    search = schema["paths"]["/api/v1/providers/search"]["get"]["responses"]
    assert {"200", "400", "404", "429", "503"} <= set(search)
    post = schema["paths"]["/api/v1/titles/from-provider"]["post"]["responses"]
    assert {"200", "201", "400", "401", "404", "429", "503"} <= set(post)
    assert "/api/v1/providers" in schema["paths"]
