"""The MCP side without HTTP: the bearer-token check and each tool's body."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail

from assistants import tools
from assistants.models import McpWrite
from assistants.server import TitleType as ToolTitleType
from assistants.server import WalkState as ToolWalkState
from assistants.server import _load_token, build_server
from catalog.models import TitleType
from core.errors import Invalid, NotFound
from reviews.models import Review
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory
from walks.models import Walk, WalkState

from .conftest import run_async
from .factories import issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def caller(oauth_app):
    user = UserFactory(email="walker@example.com")
    token, _raw = issue_token(user=user, application=oauth_app)
    return tools.Caller(
        user=user, application_id=oauth_app.pk, client_name=oauth_app.name, token_id=token.pk, scopes=frozenset()
    )


# --- The token ------------------------------------------------------------------------------


def test_a_live_token_for_this_resource(oauth_app, user):
    token, raw = issue_token(user=user, application=oauth_app, scope="walks:read")
    info = _load_token(raw)
    assert info.scopes == ["walks:read"] and info.resource == settings.MCP_RESOURCE
    assert info.client_id == oauth_app.client_id and info.subject == str(user.pk)
    assert info.claims["token_id"] == token.pk and info.claims["client_name"] == "Test Assistant"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"expires_in": -1},
        {"resource": ["https://other.example/mcp"]},
        {"resource": []},  # unrestricted tokens are not for us either
    ],
)
def test_refused_tokens(oauth_app, user, kwargs):
    _token, raw = issue_token(user=user, application=oauth_app, **kwargs)
    assert _load_token(raw) is None


def test_refused_for_a_deactivated_person_and_unknown_tokens(oauth_app, user):
    _token, raw = issue_token(user=user, application=oauth_app)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert _load_token(raw) is None
    assert _load_token("nope") is None and _load_token("") is None and _load_token("x" * 600) is None


def test_tool_enums_follow_the_models():
    assert list(ToolTitleType.__args__) == TitleType.values
    assert list(ToolWalkState.__args__) == WalkState.values


def test_tools_are_listed_with_annotations():
    listed = {t.name: t for t in run_async(build_server().list_tools)}
    assert set(listed) == {
        "search_titles", "get_title", "my_walks", "my_reviews", "set_walk", "remove_walk",
        "review_title", "delete_review", "request_profile_edit_link",
        "my_watchlist", "add_to_watchlist", "my_stats", "search_provider", "add_title_from_provider",
    }  # fmt: skip
    read_only = {"search_titles", "get_title", "my_walks", "my_reviews", "my_watchlist", "my_stats", "search_provider"}
    for name, tool in listed.items():
        assert tool.description, name
        assert tool.annotations.read_only_hint is (name in read_only)
    assert listed["remove_walk"].annotations.destructive_hint is True
    assert listed["review_title"].input_schema["required"] == ["title_id", "rating"]


# --- Tool bodies ----------------------------------------------------------------------------


def test_set_walk_and_review_go_through_the_services_and_are_logged(caller, django_capture_on_commit_callbacks):
    title = TitleFactory(type="game")
    assert tools.set_walk(caller, title_id=title.pk, state="completed") == {
        "title_id": title.pk,
        "state": "completed",
        "created": True,
    }
    assert tools.set_walk(caller, title_id=title.pk, state="hundred_percent")["created"] is False
    with django_capture_on_commit_callbacks(execute=True):
        tools.review_title(caller, title_id=title.pk, rating=92, text="Vast.")
    title.refresh_from_db()
    assert title.rating == 92 and title.rating_count == 1  # the recompute task ran (eager)
    tools.review_title(caller, title_id=title.pk, rating=90)
    assert Review.objects.get().text == "Vast."  # left out: kept
    log = list(
        McpWrite.objects.order_by("id").values_list("tool", "title_id", "detail", "client_name", "application_id")
    )
    assert log == [
        ("set_walk", title.pk, "state=completed", "Test Assistant", caller.application_id),
        ("set_walk", title.pk, "state=hundred_percent", "Test Assistant", caller.application_id),
        ("review_title", title.pk, "rating=92", "Test Assistant", caller.application_id),
        ("review_title", title.pk, "rating=90", "Test Assistant", caller.application_id),
    ]


def test_remove_and_delete(caller):
    title = TitleFactory()
    WalkFactory(user=caller.user, title=title)
    ReviewFactory(user=caller.user, title=title, rating=50)
    assert tools.remove_walk(caller, title_id=title.pk)["removed"] is True
    assert tools.delete_review(caller, title_id=title.pk)["deleted"] is True
    assert not Walk.objects.exists() and not Review.objects.exists()
    with pytest.raises(NotFound):
        tools.remove_walk(caller, title_id=title.pk)
    with pytest.raises(NotFound):
        tools.delete_review(caller, title_id=title.pk)
    assert McpWrite.objects.count() == 2  # failures write nothing


def test_someone_elses_walk_is_not_touched(caller):
    title = TitleFactory()
    other = WalkFactory(title=title)
    with pytest.raises(NotFound):
        tools.remove_walk(caller, title_id=title.pk)
    assert Walk.objects.filter(pk=other.pk).exists()


def test_service_errors_pass_through(caller):
    title = TitleFactory()
    with pytest.raises(Invalid, match="0 to 100"):
        tools.review_title(caller, title_id=title.pk, rating=101)
    with pytest.raises(Invalid, match="No title has this id"):
        tools.set_walk(caller, title_id=10**9, state="completed")
    with pytest.raises(Invalid):
        tools.set_walk(caller, title_id=title.pk, state="finished")
    assert not McpWrite.objects.exists()


def test_get_title_with_mine(caller, django_capture_on_commit_callbacks):
    title = TitleFactory(name="Arrival", type="film")
    assert tools.get_title(caller, title_id=title.pk)["my_walk"] is None
    with django_capture_on_commit_callbacks(execute=True):  # the service's bump drops the cached "mine"
        tools.set_walk(caller, title_id=title.pk, state="completed")
    data = tools.get_title(caller, title_id=title.pk)
    assert data["name"] == "Arrival" and data["my_walk"]["state"] == "completed"
    assert data["url"] == f"{settings.SITE_URL}/titles/{title.pk}/"
    with pytest.raises(NotFound):
        tools.get_title(caller, title_id=10**9)


def test_search_titles_one_type(caller):
    TitleFactory(name="Elden Ring", type="game")
    TitleFactory(name="Elden Ring", type="film")
    found = tools.search_titles(caller, type="game", query="elden")
    assert [(t["name"], t["type"]) for t in found["titles"]] == [("Elden Ring", "game")]
    with pytest.raises(Invalid):
        tools.search_titles(caller, type="book", query="x")


@pytest.mark.parametrize("size", [3, 30])
def test_my_walks_and_reviews_in_constant_queries(caller, size, django_assert_max_num_queries):
    for title in TitleFactory.create_batch(size):
        WalkFactory(user=caller.user, title=title)
        ReviewFactory(user=caller.user, title=title)
    WalkFactory()  # someone else's
    # One query each: the rows joined to their titles.
    with django_assert_max_num_queries(1):
        walks = tools.my_walks(caller)
    with django_assert_max_num_queries(1):
        reviews = tools.my_reviews(caller)
    assert len(walks["walks"]) == size and len(reviews["reviews"]) == size
    assert walks["more"] is False


def test_lists_are_capped(caller):
    for title in TitleFactory.create_batch(tools.LIST_LIMIT + 1):
        WalkFactory(user=caller.user, title=title)
    walks = tools.my_walks(caller)
    assert len(walks["walks"]) == tools.LIST_LIMIT and walks["more"] is True


def test_profile_edit_link_goes_to_the_callers_own_mailbox(caller, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = tools.request_profile_edit_link(caller)
    assert sent["email"] == "w***@e***.com" and sent["expires_in_minutes"] == 60
    assert [m.to for m in mail.outbox] == [["walker@example.com"]]
    assert "/profile/edit/?token=" in mail.outbox[0].body
    assert McpWrite.objects.get().tool == "request_profile_edit_link"
