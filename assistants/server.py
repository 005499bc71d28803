"""The MCP server at /mcp: streamable HTTP (stateless), OAuth 2.1 bearer tokens
issued by Walks itself, one tool per thing a person does on the site.

Every call: the bearer token is looked up by its SHA-256 (tokens are hashed at
rest), must be unexpired, of an active person, and bound to this resource
(RFC 8707 audience); the tool then checks its scope, counts the call against
the token's rate limit and runs the service in Django's sync thread.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone, translation
from mcp.server import MCPServer
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken as McpAccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import ToolAnnotations
from oauth2_provider.models import AccessToken
from pydantic import Field

from accounts.models import User
from core import ratelimit
from core.errors import RateLimited, ServiceError

from . import tools
from .oauth import is_our_resource, mcp_resource
from .scopes import READ, WRITE

logger = logging.getLogger(__name__)

# Per token: an assistant in a long conversation makes a few calls a minute;
# a loop gets stopped without stopping the person's other assistants.

TitleType = Literal["game", "film", "series", "anime"]
WalkState = Literal["in_progress", "completed", "hundred_percent"]
TitleId = Annotated[int, Field(description="The title's id, from search_titles or my_walks.", ge=1)]

INSTRUCTIONS = (
    "Walks tracks the games a person played and the films, series and anime they watched. "
    "Find a title with search_titles (one type at a time), then record it: set_walk with state "
    "in_progress, completed or hundred_percent (100% done, for games), review_title with a rating "
    "from 0 to 100. 'I finished Elden Ring, 100%, 92 out of 100' is search_titles(game, 'Elden Ring'), "
    "set_walk(id, hundred_percent), review_title(id, 92). Never ask for the person's password: "
    "request_profile_edit_link e-mails them a link to change their language or password."
)


# --- Authentication ------------------------------------------------------------------------


def _load_token(raw: str) -> McpAccessToken | None:
    if not raw or len(raw) > 512:
        return None
    checksum = hashlib.sha256(raw.encode()).hexdigest()
    row = (
        AccessToken.objects.select_related("application", "user")
        .filter(token_checksum=checksum)
        .only(
            "id",
            "scope",
            "expires",
            "resource",
            "application__id",
            "application__name",
            "application__client_id",
            "user__id",
            "user__is_active",
        )
        .first()
    )
    if row is None or row.user is None or not row.user.is_active or row.expires <= timezone.now():
        return None
    # The audience: a token bound to another resource, or to none, is not for us.
    resource = next((r for r in (row.resource or []) if is_our_resource(r)), None)
    if resource is None:
        logger.info("MCP token %s refused: bound to %r, not %s", row.pk, row.resource, mcp_resource())
        return None
    app = row.application
    return McpAccessToken(
        token=raw,
        client_id=app.client_id if app else "",
        scopes=row.scope.split(),
        expires_at=int(row.expires.timestamp()),
        resource=resource,
        subject=str(row.user.pk),
        claims={
            "token_id": row.pk,
            "user_id": row.user.pk,
            "application_id": app.pk if app else None,
            "client_name": app.name if app else "",
        },
    )


def _load_token_in_request(raw: str) -> McpAccessToken | None:
    # What Django's request_started does for a page: drop a connection that
    # went stale or outlived CONN_MAX_AGE before using it.
    close_old_connections()
    return _load_token(raw)


class WalksTokenVerifier:
    async def verify_token(self, token: str) -> McpAccessToken | None:
        return await sync_to_async(_load_token_in_request, thread_sensitive=True)(token)


# --- The one wrapper every tool goes through ------------------------------------------------


def _scope_missing(scope: str) -> str:
    if scope == WRITE:
        return (
            "This connection may only read (walks:read). To record walks or reviews, the person must "
            "disconnect the assistant in Walks Settings and connect again allowing walks:write."
        )
    return "This connection was not granted walks:read."


async def _call(scope: str, fn, /, **kwargs) -> dict[str, Any]:
    token = get_access_token()
    if token is None or not token.claims:
        raise ToolError("Not authenticated.")
    if scope not in token.scopes:
        raise ToolError(_scope_missing(scope))
    claims = token.claims

    def work() -> dict[str, Any]:
        close_old_connections()
        try:
            ratelimit.check("mcp-token", f"token:{claims['token_id']}")
            user = User.objects.select_related("profile").filter(pk=claims["user_id"], is_active=True).first()
            if user is None:
                raise ToolError("Not authenticated.")
            caller = tools.Caller(
                user=user,
                application_id=claims["application_id"],
                client_name=claims["client_name"],
                token_id=claims["token_id"],
                scopes=frozenset(token.scopes),
            )
            # Messages in the person's language, as on their pages.
            with translation.override(user.locale or settings.LANGUAGE_CODE):
                try:
                    return fn(caller, **kwargs)
                except RateLimited as exc:
                    raise ToolError(f"{exc.detail} (retry after {exc.retry_after} s)") from None
                except ServiceError as exc:
                    raise ToolError(str(exc.detail)) from None
        except RateLimited as exc:
            raise ToolError(f"Too many calls from this assistant: retry after {exc.retry_after} s.") from None
        finally:
            close_old_connections()

    return await sync_to_async(work, thread_sensitive=True)()


READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)


def _write(*, destructive: bool = False, idempotent: bool = True) -> ToolAnnotations:
    return ToolAnnotations(
        read_only_hint=False, destructive_hint=destructive, idempotent_hint=idempotent, open_world_hint=False
    )


def build_server() -> MCPServer:
    server = MCPServer(
        name="walks",
        title="Walks",
        instructions=INSTRUCTIONS,
        website_url=settings.SITE_URL,
        token_verifier=WalksTokenVerifier(),
        auth=AuthSettings(
            issuer_url=settings.SITE_URL,
            resource_server_url=mcp_resource(),
            required_scopes=[],
            validate_token_resource=True,
        ),
    )

    @server.tool(annotations=READ_ONLY)
    async def search_titles(
        type: Annotated[TitleType, Field(description="What kind of title: game, film, series or anime.")],
        query: Annotated[str, Field(description="Part of the title's name, e.g. 'elden ring'.", max_length=100)],
    ) -> dict[str, Any]:
        """Search the Walks catalogue by name within one type; best rated first, at most 20."""
        return await _call(READ, tools.search_titles, type=type, query=query)

    @server.tool(annotations=READ_ONLY)
    async def get_title(title_id: TitleId) -> dict[str, Any]:
        """One title with its description and rating, and the person's own walk and review of it."""
        return await _call(READ, tools.get_title, title_id=title_id)

    @server.tool(annotations=READ_ONLY)
    async def my_walks(
        type: Annotated[TitleType | None, Field(description="Only this type of title.")] = None,
        state: Annotated[WalkState | None, Field(description="Only walks in this state.")] = None,
    ) -> dict[str, Any]:
        """The person's walks (titles in progress, completed or 100%), most recently changed first, at most 50."""
        return await _call(READ, tools.my_walks, type=type, state=state)

    @server.tool(annotations=READ_ONLY)
    async def my_reviews(
        type: Annotated[TitleType | None, Field(description="Only this type of title.")] = None,
    ) -> dict[str, Any]:
        """The person's reviews (rating 0-100 and text), most recently changed first, at most 50."""
        return await _call(READ, tools.my_reviews, type=type)

    @server.tool(annotations=_write())
    async def set_walk(
        title_id: TitleId,
        state: Annotated[
            WalkState,
            Field(description="in_progress (playing or watching), completed (finished), hundred_percent (all done)."),
        ],
    ) -> dict[str, Any]:
        """Record where the person is with a title: creates their walk or changes its state."""
        return await _call(WRITE, tools.set_walk, title_id=title_id, state=state)

    @server.tool(annotations=_write(destructive=True))
    async def remove_walk(title_id: TitleId) -> dict[str, Any]:
        """Remove the person's walk of a title (their review, if any, stays)."""
        return await _call(WRITE, tools.remove_walk, title_id=title_id)

    @server.tool(annotations=_write())
    async def review_title(
        title_id: TitleId,
        rating: Annotated[int, Field(description="A whole number from 0 (worst) to 100 (best).")],
        text: Annotated[
            str | None, Field(description="The review's text; leave out to keep the existing text.")
        ] = None,
    ) -> dict[str, Any]:
        """Rate and review a title (creates the person's review or updates it)."""
        return await _call(WRITE, tools.review_title, title_id=title_id, rating=rating, text=text)

    @server.tool(annotations=_write(destructive=True))
    async def delete_review(title_id: TitleId) -> dict[str, Any]:
        """Delete the person's review of a title."""
        return await _call(WRITE, tools.delete_review, title_id=title_id)

    @server.tool(annotations=_write(idempotent=False))
    async def request_profile_edit_link() -> dict[str, Any]:
        """E-mail the person a single-use link (valid one hour) to change their language or password on
        the Walks site. Never ask for a password in the chat: use this instead."""
        return await _call(WRITE, tools.request_profile_edit_link)

    _register_feature_tools(server)
    return server


def _register_feature_tools(server: MCPServer) -> None:
    """The watchlist, statistics and metadata providers, through their own services."""

    @server.tool(annotations=READ_ONLY)
    async def my_watchlist() -> dict[str, Any]:
        """Titles the person wants to play or watch later (not started yet)."""
        return await _call(READ, tools.my_watchlist)

    @server.tool(annotations=_write())
    async def add_to_watchlist(title_id: TitleId) -> dict[str, Any]:
        """Put a title on the person's watchlist (to play or watch later)."""
        return await _call(WRITE, tools.add_to_watchlist, title_id=title_id)

    @server.tool(annotations=READ_ONLY)
    async def my_stats(
        year: Annotated[int | None, Field(description="One calendar year in review; all time when left out.")] = None,
    ) -> dict[str, Any]:
        """The person's statistics (titles by type and state, ratings, activity), or one year in review."""
        return await _call(READ, tools.my_stats, year=year)

    @server.tool(annotations=READ_ONLY)
    async def search_provider(
        type: Annotated[TitleType, Field(description="What kind of title: game, film, series or anime.")],
        query: Annotated[str, Field(description="The title's name.", max_length=100)],
    ) -> dict[str, Any]:
        """When search_titles finds nothing: search the metadata provider (TMDB, IGDB or AniList).
        Results with a title_id are in Walks already; add the others with add_title_from_provider."""
        return await _call(READ, tools.search_provider, type=type, query=query)

    @server.tool(annotations=_write())
    async def add_title_from_provider(
        provider: Annotated[str, Field(description="tmdb, igdb or anilist, from search_provider.")],
        external_id: Annotated[str, Field(description="The provider's id, from search_provider.", max_length=64)],
    ) -> dict[str, Any]:
        """Add a title found by search_provider to the catalogue (or get the one Walks has); returns its title_id."""
        return await _call(WRITE, tools.add_title_from_provider, provider=provider, external_id=external_id)


def _transport_security() -> TransportSecuritySettings:
    """Host checks against DNS rebinding, from the site's own host list."""
    hosts = list(settings.ALLOWED_HOSTS)
    if "*" in hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    allowed_hosts = [h for host in hosts for h in (host, f"{host}:*")]
    site = urlsplit(settings.SITE_URL)
    origins = [f"{site.scheme}://{site.netloc}", "http://127.0.0.1:*", "http://localhost:*"]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=allowed_hosts, allowed_origins=origins
    )


def build_asgi_app():
    """The Starlette app serving POST/GET/DELETE /mcp (its lifespan runs the session manager)."""
    return build_server().streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        transport_security=_transport_security(),
    )
