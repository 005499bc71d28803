from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from core.views import favicon, healthz, home

APPS = ["accounts", "catalog", "walks", "reviews", "linking", "gptprofile", "staff", "imports", "stats", "social"]

api_v1 = [
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # ReDoc styles itself with injected <style> elements: inline styles on
    # that page only, scripts stay strict.
    path(
        "redoc",
        csp_update({"style-src": ["'unsafe-inline'"]})(SpectacularRedocView.as_view(url_name="schema")),
        name="api-redoc",
    ),
    *[path("", include(f"{app}.api_urls")) for app in APPS],
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says: the SVG answers.
    path("favicon.ico", favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    *[path("", include(f"{app}.urls")) for app in APPS],
    path("", include("assistants.urls")),
    path("", include("assistants.oauth_urls")),  # OAuth 2.1 for the MCP server at /mcp (config/asgi.py)
]

if settings.DEBUG or not settings.PRODUCTION:
    # Uploaded media from local disk; production serves MEDIA_ROOT from the web server.
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
