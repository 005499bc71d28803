"""Avatars a phone can draw: ``avatar_urls`` in every embedded user, PNG
placeholders without an upload (accounts.avatars)."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from PIL import Image

from accounts.avatars import AVATAR_SIZES

pytestmark = pytest.mark.django_db


def test_me_and_public_users_carry_png_avatar_urls(auth_client, client):
    me = auth_client.get("/api/v1/user/@me").json()
    assert me["avatar"] is None and set(me["avatar_urls"]) == set(AVATAR_SIZES)
    public = auth_client.get(f"/api/v1/user/{me['id']}").json()
    assert public["avatar_urls"] == me["avatar_urls"]
    for size, side in AVATAR_SIZES.items():
        parts = urlsplit(me["avatar_urls"][size])
        response = client.get(f"{parts.path}?{parts.query}")
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(response.content)).size == (side, side)
        assert client.get(f"{parts.path}?{parts.query}", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    forged = urlsplit(me["avatar_urls"]["small"])
    assert client.get(f"{forged.path}?{forged.query.replace('n=', 'n=x')}").status_code == 404
