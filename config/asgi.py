"""ASGI entry point: the site (Django) and the MCP server at /mcp, on one origin.

``uvicorn config.asgi:application`` (``make run``), or in production
``gunicorn config.asgi:application -k uvicorn.workers.UvicornWorker``.
"""

import os

from asgiref.sync import ThreadSensitiveContext
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()

from assistants.server import build_asgi_app  # noqa: E402 - needs the apps loaded above

mcp_application = build_asgi_app()


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        # Django has no lifespan; the MCP app's starts its session manager.
        return await mcp_application(scope, receive, send)
    path = scope.get("path", "")
    if scope["type"] == "http" and (path == "/mcp" or path.startswith("/mcp/")):
        # As Django does for each request: the request's sync work (token
        # lookup, the tool's services) runs in a thread of its own, not in one
        # thread shared by every MCP call of the process.
        async with ThreadSensitiveContext():
            return await mcp_application(scope, receive, send)
    return await django_application(scope, receive, send)
