"""The API's covers are PNGs a phone can draw (core.placeholders): each size
answers image/png that Pillow opens at that size, cached for a year with an
ETag, drawn only for the URLs the API signs."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from PIL import Image

from catalog.covers import COVER_SIZES
from tests.catalog.factories import TitleFactory

pytestmark = pytest.mark.django_db


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_the_api_cover_fields_point_at_pngs_of_each_size(auth_client, client):
    title = TitleFactory(type="film", name="Крылья «Ночи»: часть 2")
    data = auth_client.get(f"/api/v1/titles/{title.pk}").json()
    assert set(data["cover_urls"]) == set(COVER_SIZES)
    assert data["cover"] == data["cover_urls"]["medium"]
    for size, (width, height) in COVER_SIZES.items():
        url = data["cover_urls"][size]
        assert url.startswith("http") and ".png?" in url
        response = client.get(local(url))
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert "max-age=31536000" in response["Cache-Control"] and response["ETag"]
        image = Image.open(io.BytesIO(response.content))
        assert image.format == "PNG" and image.size == (width, height)
        again = client.get(local(url), HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304 and again.content == b""


def test_lists_embed_the_png_urls_too(auth_client):
    TitleFactory(type="game")
    row = auth_client.get("/api/v1/titles?type=game").json()["results"][0]
    assert ".png?" in row["cover"] and ".png?" in row["cover_urls"]["large"]


def test_an_uploaded_cover_is_every_size(auth_client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    title = TitleFactory()
    buffer = io.BytesIO()
    Image.new("RGB", (300, 450), "red").save(buffer, "PNG")
    title.cover.save("c.png", SimpleUploadedFile("c.png", buffer.getvalue()), save=True)
    data = auth_client.get(f"/api/v1/titles/{title.pk}").json()
    assert set(data["cover_urls"].values()) == {data["cover"]} and "/media/" in data["cover"]


def test_unsigned_or_altered_urls_are_not_drawn(auth_client, client):
    title = TitleFactory(name="Signed")
    url = local(auth_client.get(f"/api/v1/titles/{title.pk}").json()["cover_urls"]["small"])
    assert client.get(url.replace("n=Signed", "n=Forged")).status_code == 404
    assert client.get(url.split("&s=")[0]).status_code == 404
    assert client.get(url.replace("/small.png", "/huge.png")).status_code == 404


def test_drawn_once_then_from_the_cache(auth_client, client, monkeypatch):
    from catalog import covers

    calls = []
    real = covers.placeholder_png
    monkeypatch.setattr(covers, "placeholder_png", lambda **kw: calls.append(kw) or real(**kw))
    title = TitleFactory(name="Cached once")
    url = local(auth_client.get(f"/api/v1/titles/{title.pk}").json()["cover_urls"]["small"])
    assert client.get(url).status_code == 200 and client.get(url).status_code == 200
    assert len(calls) == 1
