"""What every metadata provider adapter shares: the interface, the result,
and one well-kept HTTP client.

The client has timeouts on every request, retries a 429, a 5xx or a timeout
with backoff (honouring ``Retry-After`` up to a cap), spaces requests to
the provider's published rate limit, and turns every failure into
:class:`ProviderUnavailable` (503) or :class:`ProviderNotFound` (404), so a
provider down or slow is a message on the page, never a 500.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.errors import Invalid, NotFound, Unavailable

logger = logging.getLogger(__name__)

# Waits go through here (tests record them instead of sleeping).
_sleep = time.sleep

USER_AGENT = "Walks/1.0 (self-hosted tracker; +https://github.com/)"
COVER_TYPES = {"image/jpeg", "image/png", "image/webp"}


class ProviderUnavailable(Unavailable):
    code = "provider_unavailable"
    default_detail = _("The provider is unavailable at the moment. The local catalogue still answers.")


class ProviderNotFound(NotFound):
    code = "provider_title_not_found"
    default_detail = _("The provider has no title with this id.")


class CoverRefused(Invalid):
    code = "cover_refused"
    default_detail = _("The cover could not be downloaded from the provider.")


@dataclass(frozen=True)
class ProviderResult:
    """One title as a provider describes it."""

    provider: str
    external_id: str
    type: str
    name: str
    release_year: int | None
    description: str = ""
    cover_url: str = ""
    # Cross-references the provider knows: {"imdb": "tt0133093"}, {"mal": "1"}.
    external_ids: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "external_id": self.external_id,
            "type": self.type,
            "name": self.name,
            "release_year": self.release_year,
            "description": self.description,
            "cover_url": self.cover_url,
            "external_ids": dict(self.external_ids),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProviderResult:
        return cls(**data)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class _Spacing:
    """At most one request every ``interval`` seconds from this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self, interval: float) -> None:
        if interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + interval
        if start > now:
            _sleep(start - now)


class HttpClient:
    """httpx with timeouts, retries, backoff and a rate limit; never follows redirects."""

    def __init__(self, *, name: str, min_interval: float) -> None:
        self.name = name
        self.min_interval = min_interval
        # None is the network; tests of an adapter give an httpx.MockTransport
        # answering with the provider's recorded responses.
        self.transport: httpx.BaseTransport | None = None
        self._spacing = _Spacing()
        self._local = threading.local()

    def use_transport(self, transport: httpx.BaseTransport | None) -> None:
        self.transport = transport
        self._local = threading.local()

    @property
    def _client(self) -> httpx.Client:
        # One connection pool per thread (httpx.Client is not shared across threads).
        client = getattr(self._local, "client", None)
        if client is None:
            timeout = settings.PROVIDER_TIMEOUT_SECONDS
            client = httpx.Client(
                timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
                follow_redirects=False,
                headers={"User-Agent": USER_AGENT},
                transport=self.transport,
            )
            self._local.client = client
        return client

    def request(
        self, method: str, url: str, *, retries: int | None = None, accept: tuple[int, ...] = (), **kwargs: Any
    ) -> httpx.Response:
        """The response (2xx, 404 or a status in ``accept``); :class:`ProviderUnavailable` for anything else."""
        retries = settings.PROVIDER_RETRIES if retries is None else retries
        for attempt in range(retries + 1):
            self._spacing.wait(self.min_interval)
            wait = 0.5 * 2**attempt
            try:
                response = self._client.request(method, url, **kwargs)
            except httpx.TimeoutException:
                logger.warning("%s: timeout on %s (attempt %d)", self.name, _safe(url), attempt + 1)
                if attempt < retries:
                    _sleep(wait)
                    continue
                raise ProviderUnavailable(code="provider_timeout") from None
            except httpx.HTTPError as exc:
                logger.warning("%s: %s on %s", self.name, type(exc).__name__, _safe(url))
                if attempt < retries:
                    _sleep(wait)
                    continue
                raise ProviderUnavailable() from None
            if response.status_code == 429 or response.status_code >= 500:
                after = _retry_after(response)
                logger.warning("%s: %d on %s (retry after %s)", self.name, response.status_code, _safe(url), after)
                if after is not None:
                    wait = after
                if attempt < retries and wait <= settings.PROVIDER_RETRY_AFTER_MAX_SECONDS:
                    _sleep(wait)
                    continue
                code = "provider_rate_limited" if response.status_code == 429 else "provider_unavailable"
                headers = {"Retry-After": str(int(after))} if after else None
                raise ProviderUnavailable(code=code, headers=headers)
            if response.status_code == 404 or response.status_code in accept:
                return response
            if not 200 <= response.status_code < 300:
                logger.warning("%s: %d on %s", self.name, response.status_code, _safe(url))
                raise ProviderUnavailable()
            return response
        raise ProviderUnavailable()  # pragma: no cover - the loop always returns or raises

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.request(method, url, **kwargs)
        if response.status_code == 404:
            raise ProviderNotFound()
        try:
            return response.json()
        except ValueError:
            logger.warning("%s: a body that is not JSON from %s", self.name, _safe(url))
            raise ProviderUnavailable(code="provider_bad_response") from None

    def download_image(self, url: str, *, allowed_base: str, max_bytes: int) -> bytes:
        """The bytes of a cover at ``url``, which must be on the host of
        ``allowed_base`` (scheme, host and port, and under its path). No
        redirects are followed, the body is capped at ``max_bytes`` while it
        streams, and only JPEG, PNG and WebP content types are taken."""
        if not url_allowed(url, allowed_base):
            raise CoverRefused(code="cover_host_refused")
        self._spacing.wait(self.min_interval)
        try:
            with self._client.stream("GET", url) as response:
                if response.status_code == 429 or response.status_code >= 500:
                    raise ProviderUnavailable(code="cover_unavailable")  # the task tries again later
                if response.status_code != 200:
                    raise CoverRefused(code="cover_unavailable")  # a redirect is never followed
                content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if content_type not in COVER_TYPES:
                    raise CoverRefused(code="cover_type_refused")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise CoverRefused(code="cover_too_large")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise CoverRefused(code="cover_too_large")
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError:
            raise ProviderUnavailable(code="cover_unavailable") from None


def url_allowed(url: str, allowed_base: str) -> bool:
    """Whether ``url`` is under ``allowed_base``: same scheme, host and port, and path."""
    try:
        got, base = urlsplit(url), urlsplit(allowed_base)
        got_port, base_port = got.port, base.port
    except ValueError:
        return False
    if got.scheme not in ("http", "https") or got.username or got.password:
        return False
    if (got.scheme, (got.hostname or "").lower(), got_port) != (base.scheme, (base.hostname or "").lower(), base_port):
        return False
    prefix = base.path.rstrip("/") + "/"
    return (got.path + "/").startswith(prefix) and ".." not in got.path.split("/")


def _safe(url: str) -> str:
    """A URL for the log: without the query string (an API key may be in it)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class MetadataProvider:
    """One provider: search by type and text, fetch one by id, list popular titles."""

    name: ClassVar[str]
    label: ClassVar[str]
    types: ClassVar[tuple[str, ...]]
    # Spacing between requests from one process, from the provider's published limit.
    min_interval: ClassVar[float] = 0.0
    attribution: ClassVar[str] = ""

    def __init__(self) -> None:
        self.http = HttpClient(name=self.name, min_interval=self.min_interval)

    @classmethod
    def configured(cls) -> bool:
        raise NotImplementedError

    @property
    def image_url(self) -> str:
        raise NotImplementedError

    def search(self, *, type: str, query: str, year: int | None = None, language: str = "en") -> list[ProviderResult]:
        raise NotImplementedError

    def fetch(self, *, external_id: str, type: str | None = None, language: str = "en") -> ProviderResult:
        raise NotImplementedError

    def popular(self, *, type: str, page: int = 1, language: str = "en") -> list[ProviderResult]:
        raise NotImplementedError

    def download_cover(self, url: str) -> bytes:
        return self.http.download_image(url, allowed_base=self.image_url, max_bytes=settings.PROVIDER_COVER_MAX_BYTES)


def bad_response(provider: str, what: str) -> ProviderUnavailable:
    logger.warning("%s: malformed response (%s)", provider, what)
    return ProviderUnavailable(code="provider_bad_response")


def year_of(value: Any) -> int | None:
    """The year of "2019-04-26", 2019, or None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1000 <= value <= 9999 else None
    if isinstance(value, str) and len(value) >= 4 and value[:4].isdigit():
        return int(value[:4])
    return None


def text(value: Any, limit: int) -> str:
    """A provider's string, NULs dropped and cut to ``limit``: a name (up to
    200) on one line, a description with its line breaks."""
    if not isinstance(value, str):
        return ""
    value = value.replace("\x00", "")
    value = " ".join(value.split()) if limit <= 200 else value.strip()
    return value[:limit]
