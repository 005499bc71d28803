"""The wrapper every MCP tool goes through: the caller from the verified token,
the scope, the per-token rate limit, and service errors as tool errors in the
person's language."""

from __future__ import annotations

import pytest
from mcp.server.auth.middleware.auth_context import auth_context_var
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.mcpserver.exceptions import ToolError

from assistants import server, tools
from assistants.models import McpWrite
from assistants.scopes import READ, WRITE
from tests.catalog.factories import TitleFactory
from tests.factories import UserFactory

from .conftest import run_async
from .factories import issue_token

# The tool body runs in Django's sync thread, another connection: committed rows only.
pytestmark = pytest.mark.django_db(transaction=True)


def _as(raw: str, *args, **kwargs):
    async def call():
        token = await server.WalksTokenVerifier().verify_token(raw)
        assert token is not None
        reset = auth_context_var.set(AuthenticatedUser(token))
        try:
            return await server._call(*args, **kwargs)
        finally:
            auth_context_var.reset(reset)

    return run_async(call)


def test_write_needs_walks_write(oauth_app):
    user = UserFactory()
    title = TitleFactory()
    _token, raw = issue_token(user=user, application=oauth_app, scope="walks:read")
    assert _as(raw, READ, tools.get_title, title_id=title.pk)["my_walk"] is None
    with pytest.raises(ToolError, match="walks:write"):
        _as(raw, WRITE, tools.set_walk, title_id=title.pk, state="completed")
    assert not McpWrite.objects.exists()


def test_calls_are_limited_per_token(oauth_app, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "mcp-token": (2, 60)}
    user = UserFactory()
    _token, raw = issue_token(user=user, application=oauth_app)
    _other, other_raw = issue_token(user=user, application=oauth_app)
    for _ in range(2):
        _as(raw, READ, tools.my_walks)
    with pytest.raises(ToolError, match="Too many calls"):
        _as(raw, READ, tools.my_walks)
    # Another token (another assistant) is not held back.
    assert _as(other_raw, READ, tools.my_walks) == {"walks": [], "more": False}


def test_service_errors_in_the_persons_language(oauth_app):
    user = UserFactory(locale="ru")
    title = TitleFactory()
    _token, raw = issue_token(user=user, application=oauth_app)
    with pytest.raises(ToolError, match="Целое число от 0 до 100"):
        _as(raw, WRITE, tools.review_title, title_id=title.pk, rating=101)


def test_write_through_the_wrapper_is_attributed(oauth_app):
    user = UserFactory()
    title = TitleFactory()
    _token, raw = issue_token(user=user, application=oauth_app)
    assert _as(raw, WRITE, tools.set_walk, title_id=title.pk, state="completed")["created"] is True
    row = McpWrite.objects.get()
    assert (row.user, row.application, row.client_name, row.tool, row.title) == (
        user, oauth_app, "Test Assistant", "set_walk", title,
    )  # fmt: skip


def test_watchlist_and_stats_tools_go_through_their_services(oauth_app):
    from walks.models import WatchlistEntry

    user = UserFactory()
    title = TitleFactory(name="Outer Wilds", type="game")
    _token, raw = issue_token(user=user, application=oauth_app)
    assert _as(raw, WRITE, tools.add_to_watchlist, title_id=title.pk) == {"title_id": title.pk, "added": True}
    assert WatchlistEntry.objects.filter(user=user, title=title).exists()
    assert [t["name"] for t in _as(raw, READ, tools.my_watchlist)["titles"]] == ["Outer Wilds"]
    assert McpWrite.objects.filter(tool="add_to_watchlist", user=user).count() == 1
    _as(raw, WRITE, tools.set_walk, title_id=title.pk, state="completed")
    assert _as(raw, READ, tools.my_watchlist)["titles"] == []  # starting a walk takes it off
    stats = _as(raw, READ, tools.my_stats)
    assert stats == __import__("stats.selectors", fromlist=["user_stats"]).user_stats(user_id=user.pk)
    with pytest.raises(ToolError):
        _as(raw, WRITE, tools.add_to_watchlist, title_id=title.pk)  # already walked: the service's refusal


def test_provider_tools_answer_with_the_services_error_when_none_is_configured(oauth_app, settings):
    settings.ANILIST_ENABLED = False
    user = UserFactory()
    _token, raw = issue_token(user=user, application=oauth_app)
    with pytest.raises(ToolError, match="No provider is configured"):
        _as(raw, READ, tools.search_provider, type="anime", query="Frieren")
