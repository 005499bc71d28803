"""The conventions every endpoint inherits: JSON only, strict query
parameters, conditional reads, rate-limit headers, the @me shortcuts."""

from __future__ import annotations

import pytest

from tests.catalog.factories import TitleFactory, WalkFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_json_views_refuse_form_bodies(auth_client):
    response = auth_client.patch("/api/v1/user/@me", {"bio": "x"}, format="multipart")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("page=0", "invalid_page"),
        ("page=-1", "invalid_page"),
        ("page_size=0", "invalid_page_size"),
        ("page_size=-1", "invalid_page_size"),
        ("page_size=false", "invalid_page_size"),
        ("type=game&type=film", "repeated_parameter"),
    ],
)
def test_bad_query_parameters_are_a_400_with_a_code(auth_client, query, code):
    TitleFactory()
    response = auth_client.get(
        f"/api/v1/titles?type=game&{query}" if "type=" not in query else f"/api/v1/titles?{query}"
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code


def test_has_erp_access_null_is_a_400(api_client):
    from accounts.service_tokens import service_token_create

    _, secret = service_token_create(name="bot", scopes=["staff"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api_client.get("/api/v1/positions?has_erp_access=false").status_code == 200
    response = api_client.get("/api/v1/positions?has_erp_access=null")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_reads_carry_an_etag_and_answer_304(auth_client):
    TitleFactory()
    first = auth_client.get("/api/v1/titles?type=game")
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, no-cache"
    etag = first["ETag"]
    again = auth_client.get("/api/v1/titles?type=game", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    TitleFactory()
    from catalog.services import titles_changed

    titles_changed("game")
    changed = auth_client.get("/api/v1/titles?type=game", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_limited_endpoints_carry_ratelimit_headers(api_client, db):
    response = api_client.post("/api/v1/auth/token", {"email": "nobody@example.com", "password": "wrong-one-1"})
    assert response.status_code == 401
    assert response["RateLimit-Policy"].startswith('"signin-')
    assert ";r=" in response["RateLimit"] and ";t=" in response["RateLimit"]


def test_me_shortcuts(auth_client):
    mine = WalkFactory(user=auth_client.user)
    WalkFactory(user=UserFactory())
    walks = auth_client.get("/api/v1/user/@me/walks")
    assert walks.status_code == 200 and [w["id"] for w in walks.json()["results"]] == [mine.pk]
    reviews = auth_client.get("/api/v1/user/@me/reviews")
    assert reviews.status_code == 200 and reviews.json()["count"] == 0
