"""Settings → Assistants: the connected clients and Disconnect; the admin log; the purge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken

from assistants.models import McpWrite
from assistants.server import _load_token
from assistants.services import oauth_purge
from tests.conftest import admin_login
from tests.factories import UserFactory

from .factories import issue_token, register_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    client.user = user
    return client


def test_needs_sign_in(client):
    assert client.get("/settings/assistants/")["Location"].startswith("/signin/")


def test_settings_links_to_assistants(signed_in):
    page = signed_in.get("/settings/").content.decode()
    assert 'href="/settings/assistants/"' in page


@pytest.mark.parametrize("size", [1, 8])
def test_lists_connected_clients_in_constant_queries(signed_in, size, django_assert_max_num_queries):
    for i in range(size):
        app = register_client(name=f"Assistant {i}", redirect_uri=f"https://a{i}.example/cb")
        issue_token(user=signed_in.user, application=app, scope="walks:read")
        issue_token(user=signed_in.user, application=app, scope="walks:read walks:write", refresh=False)
    stale = register_client(name="Stale")
    issue_token(user=signed_in.user, application=stale, expires_in=-60, refresh=False)
    other = register_client(name="Someone else's")
    issue_token(user=UserFactory(), application=other)
    # session, user (+profile), the clients, their tokens; plus the page's own (linked-account menu).
    with django_assert_max_num_queries(8):
        page = signed_in.get("/settings/assistants/")
    text = page.content.decode()
    assert text.count('action="/settings/assistants/') == size
    assert "Assistant 0" in text and "Stale" not in text and "Someone else" not in text
    assert "Record, change and remove" in text


def test_disconnect_ends_tokens_at_once(signed_in):
    app = register_client()
    token, raw = issue_token(user=signed_in.user, application=app)
    Grant.objects.create(
        application=app, user=signed_in.user, code="c", expires=timezone.now() + timedelta(minutes=1),
        redirect_uri="https://assistant.example/callback", scope="walks:read",
    )  # fmt: skip
    other_user_token, other_raw = issue_token(user=UserFactory(), application=app)
    assert _load_token(raw) is not None

    response = signed_in.post(f"/settings/assistants/{app.pk}/disconnect/")
    assert response.status_code == 302 and response["Location"] == "/settings/assistants/"
    assert _load_token(raw) is None
    assert not AccessToken.objects.filter(user=signed_in.user).exists()
    assert not RefreshToken.objects.filter(user=signed_in.user).exists()
    assert not Grant.objects.exists()
    # Only the person's own connection ends.
    assert _load_token(other_raw) is not None
    assert "Disconnected" in signed_in.get("/settings/assistants/").content.decode()


def test_disconnect_is_post_only(signed_in):
    app = register_client()
    issue_token(user=signed_in.user, application=app)
    assert signed_in.get(f"/settings/assistants/{app.pk}/disconnect/").status_code == 405
    assert AccessToken.objects.exists()


def test_connections_page_in_russian(client):
    user = UserFactory(locale="ru")
    client.force_login(user)
    issue_token(user=user, application=register_client())
    text = client.get("/settings/assistants/").content.decode()
    assert "Подключённые ассистенты" in text and "Отключить" in text


def test_admin_lists_mcp_writes(client, user):
    admin = UserFactory(is_staff=True, is_superuser=True)
    admin_login(client, admin)
    McpWrite.objects.create(user=user, client_name="Claude", tool="set_walk", detail="state=completed")
    page = client.get("/admin/assistants/mcpwrite/")
    assert page.status_code == 200 and "Claude" in page.content.decode()


def test_purge_drops_clients_nobody_authorised(user):
    used = register_client(name="Used")
    issue_token(user=user, application=used)
    unused = register_client(name="Unused")
    fresh = register_client(name="Fresh")
    Application.objects.filter(pk__in=[used.pk, unused.pk]).update(created=timezone.now() - timedelta(days=2))
    oauth_purge()
    assert set(Application.objects.values_list("name", flat=True)) == {"Used", "Fresh"}
    assert fresh.pk
