"""Fixtures for the ChatGPT profile flow: service tokens and issued links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.service_tokens import service_token_create
from core.secrets import hash_token, new_token
from gptprofile.models import TOKEN_LIFETIME, ProfileEditToken

LINK_RE = re.compile(r"https?://[^\s\"<>]+/profile/edit/\?token=([A-Za-z0-9_\-]+)")


def bearer_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def gpt_secret(db):
    _token, secret = service_token_create(name="ChatGPT", scopes=["gpt"])
    return secret


@pytest.fixture
def gpt_client(gpt_secret):
    """The ChatGPT action: a bearer service token with the gpt scope."""
    return bearer_client(gpt_secret)


def make_link(user, *, age: timedelta = timedelta(0), used: bool = False) -> str:
    """Store a link for ``user`` as the service would, ``age`` old; return the raw token."""
    raw = new_token()
    created = timezone.now() - age
    ProfileEditToken.objects.create(
        user=user,
        token_hash=hash_token(raw),
        created_at=created,
        expires_at=created + TOKEN_LIFETIME,
        used_at=timezone.now() if used else None,
    )
    return raw


def link_from_mail(message) -> tuple[str, str]:
    """The (link, token) in an e-mail's text body; the HTML body must carry the same link."""
    match = LINK_RE.search(message.body)
    assert match, message.body
    html = message.alternatives[0][0]
    assert match.group(0) in html.replace("&amp;", "&")
    return match.group(0), match.group(1)
