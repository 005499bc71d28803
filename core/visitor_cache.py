"""Whole pages cached per visitor and version of what they show.

A page such as a title's is the same for one visitor until something it
shows changes: the visitor (their name, avatar, theme, language, menu), the
rows on the page, the visitor's own walk or review. :func:`cached_page`
keeps its HTML under the scopes of all of these (core.cache: one round trip
for the versions and the page) and a key naming the visitor, the language,
the theme and the URL with its query, so that a warm hit renders no template
at all.

What differs from one request to the next is never stored:

- CSRF tokens: every ``{% csrf_token %}`` input is stored with a marker in
  place of its value, and each answer gets this request's own masked token
  (``get_token``: valid for the visitor's secret, cookie or session, which
  it sets when there is none yet). A cached page therefore depends on no
  secret, and neither a token nor a secret is ever written to the cache.
- Holes: parts that depend on rows outside the page's scopes (the linked
  accounts of the menu: other people's names) are left as markers and
  rendered for each answer by the caller's functions.
- Headers and cookies: only the body is stored; each answer is a new
  response, through the middleware as any other (``Vary``, the CSRF and
  session cookies, ``Content-Language``), and ``Cache-Control: private``
  for a signed-in visitor.

A request with messages to show (``django.contrib.messages``), or one the
caller marks as not cacheable (a form's errors kept in the session), is
rendered as usual and nothing is stored. So is any answer but a 200.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control
from django.utils.safestring import SafeString, mark_safe

from .cache import cached, request_cache_key
from .context_processors import theme_of

# What ``{% csrf_token %}`` renders (django.template.defaulttags.CsrfTokenNode).
# Text a person wrote is escaped in every template, so a ``<`` or a ``"`` of
# this pattern can only come from a template.
_CSRF_INPUT = re.compile(r'(<input type="hidden" name="csrfmiddlewaretoken" value=")[^"]*(">)')
_CSRF_MARK = "@csrf@"
_CSRF_MARKED = f'<input type="hidden" name="csrfmiddlewaretoken" value="{_CSRF_MARK}">'


def _hole(name: str) -> SafeString:
    return mark_safe(f"<!--walks:hole:{name}-->")  # noqa: S308 (a constant)


class _NotCacheable(Exception):
    def __init__(self, response: HttpResponse):
        self.response = response


def has_messages(request) -> bool:
    """Whether messages wait to be shown (without marking them seen)."""
    return bool(len(messages.get_messages(request)))


def visitor_parts(request) -> tuple:
    """What a page's key names of its visitor: the account (its scope covers
    the rest of what the layout shows of it), or an anonymous visitor's
    theme (a cookie)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return ("user", user.pk, theme_of(request))
    return ("anonymous", theme_of(request))


def cached_page(
    request,
    *,
    scopes: Sequence[str],
    render: Callable[[dict], HttpResponse],
    timeout: int,
    holes: Mapping[str, Callable[[], str]] | None = None,
    cacheable: bool = True,
) -> HttpResponse:
    """The page ``render(extra)`` draws for ``request``, from the cache while
    every scope in ``scopes`` keeps its version (the caller names them all:
    the visitor's, the rows', the visitor's own state of them).

    ``render`` gets ``extra`` for its template context: ``{"holes": {name:
    marker}}``; a template prints ``holes.<name>`` where the part goes, and
    draws the part itself when there is no marker. ``holes[name]()`` renders
    the part for each answer. The key adds the visitor
    (:func:`visitor_parts`), the language, the scheme, the host and the URL
    with its query (core.cache.request_cache_key).
    """
    holes = dict(holes or {})
    signed_in = bool(getattr(getattr(request, "user", None), "is_authenticated", False))
    if not cacheable or request.method != "GET" or has_messages(request):
        return _private(render({}), signed_in)

    def compute() -> str:
        response = render({"holes": {name: _hole(name) for name in holes}})
        if response.status_code != 200 or getattr(response, "streaming", False):
            raise _NotCacheable(response)
        return _CSRF_INPUT.sub(_CSRF_MARKED, response.content.decode(response.charset))

    key = request_cache_key(scopes, request, "page", *visitor_parts(request))
    try:
        body = cached(scopes, key, compute, timeout=timeout)
    except _NotCacheable as exc:
        response = exc.response
        if not getattr(response, "streaming", False):
            response.content = _fill(response.content.decode(response.charset), request, holes)
        return _private(response, signed_in)
    return _private(HttpResponse(_fill(body, request, holes)), signed_in)


def _fill(body: str, request, holes: Mapping[str, Callable[[], str]]) -> str:
    if _CSRF_MARKED in body:
        body = body.replace(_CSRF_MARKED, _CSRF_MARKED.replace(_CSRF_MARK, get_token(request)))
    for name, draw in holes.items():
        marker = _hole(name)
        if marker in body:
            body = body.replace(marker, str(draw()))
    return body


def _private(response: HttpResponse, signed_in: bool) -> HttpResponse:
    if signed_in:
        patch_cache_control(response, private=True)
    return response
