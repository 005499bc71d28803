"""The project's URLs plus the ceiling: a bare Django view with a short
constant response, served through the same middleware, server and workers
as every measured page, so each case can be read as a fraction of it."""

from django.http import HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as project_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def ceiling(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/ceiling", ceiling, name="bench-ceiling"), *project_urlpatterns]
