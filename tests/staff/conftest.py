from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from accounts.service_tokens import service_token_create
from tests.conftest import jwt_client_for, session_client_for
from tests.factories import UserFactory

from .factories import PositionFactory

STAFF_PERMS = ["view_staff", "add_staff", "change_staff", "view_position"]


@pytest.fixture
def erp_position(db):
    return PositionFactory(name="Store manager", has_erp_access=True)


@pytest.fixture
def plain_position(db):
    return PositionFactory(name="Courier", has_erp_access=False)


@pytest.fixture
def bot_token(db):
    return service_token_create(name="staff-bot", scopes=["staff"])


@pytest.fixture
def bot_client(bot_token):
    token, secret = bot_token
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.token = token
    return client


def bearer_client(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.fixture
def manager(db):
    """A staff user (Django is_staff) with the staff app's model permissions."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="staff", codename__in=STAFF_PERMS))
    return user


@pytest.fixture(params=["bot", "jwt", "session"])
def caller(request, bot_client, manager):
    """Every allowed door to the staff API: the bot's token, a manager's JWT, a manager's session."""
    if request.param == "bot":
        bot_client.kind = "bot"
        return bot_client
    client = jwt_client_for(manager) if request.param == "jwt" else session_client_for(manager)
    client.kind = request.param
    client.user = manager
    return client
