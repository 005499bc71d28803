"""A curator adding an exact duplicate (same type, folded name, year) is
warned with a link on the page, and refused with 409 in the API unless forced."""

from __future__ import annotations

import pytest

from catalog.models import Title

from .factories import TitleFactory

pytestmark = pytest.mark.django_db


def test_the_api_refuses_a_duplicate_with_409_unless_forced(curator_client):
    existing = TitleFactory(name="The Godfather", type="film", release_year=1972)
    payload = {"name": "godfather", "type": "film", "release_year": 1972}
    response = curator_client.post("/api/v1/titles", payload, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_title"
    assert Title.objects.count() == 1
    # another year or type is another title
    assert curator_client.post("/api/v1/titles", {**payload, "release_year": 1990}, format="json").status_code == 201
    forced = curator_client.post("/api/v1/titles", {**payload, "force": True}, format="json")
    assert forced.status_code == 201 and forced.json()["id"] != existing.pk


def test_a_member_cannot_force_anything(auth_client):
    TitleFactory(name="Heat", type="film", release_year=1995)
    response = auth_client.post(
        "/api/v1/titles", {"name": "Heat", "type": "film", "release_year": 1995, "force": True}, format="json"
    )
    assert response.status_code == 403


def test_the_page_warns_with_a_link_and_adds_it_only_when_asked(client, curator):
    existing = TitleFactory(name="Amélie", type="film", release_year=2001)
    client.force_login(curator)
    data = {"name": "Amelie", "type": "film", "release_year": "2001", "description": ""}
    response = client.post("/titles/new/", data)
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="duplicate-warning"' in html
    assert f'href="/titles/{existing.pk}/"' in html
    assert Title.objects.count() == 1
    response = client.post("/titles/new/", {**data, "force": "on"})
    assert response.status_code == 302 and Title.objects.count() == 2
