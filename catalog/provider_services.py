"""Titles from metadata providers: search, add, refresh, link, and covers.

Adding is open to every signed-in person (the data is the provider's, not
theirs), rate-limited per person; refreshing and linking are for curators.
A title's ``(provider, external_id)`` is unique, so adding the same title
twice, or by two people at once, gives one title.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core import broker, ratelimit
from core.errors import Conflict, Invalid, NotAuthenticated, NotFound, ServiceError

from .models import ExternalId, Provider, Title
from .permissions import catalog_permission_check
from .providers import ProviderResult, provider_get, provider_search, providers_all, providers_for
from .providers.base import url_allowed
from .services import clean_title_fields, title_cover_store, titles_changed

logger = logging.getLogger(__name__)

# The limits of this module, in one place (core.ratelimit). A search costs a
# provider request unless it is cached; an add costs one and creates a title.

# Providers whose ids a title can be fetched by; the others are cross-references.
PRIMARY = (Provider.TMDB, Provider.IGDB, Provider.ANILIST)
EXTERNAL_ID_MAX = ExternalId._meta.get_field("external_id").max_length


def clean_provider(value: Any) -> str:
    if value not in Provider.values:
        message = _("Choose one of: %(p)s.") % {"p": ", ".join(Provider.values)}
        raise Invalid(f"provider: {message}", code="invalid_provider", errors={"provider": [message]})
    return value


def clean_external_id(value: Any) -> str:
    value = str(value if value is not None else "").strip()
    if (
        not value
        or len(value) > EXTERNAL_ID_MAX
        or ".." in value
        or not all(ch.isascii() and (ch.isalnum() or ch in "/-_.") for ch in value)
    ):
        message = _("Send the provider's id of the title.")
        raise Invalid(f"external_id: {message}", code="invalid_external_id", errors={"external_id": [message]})
    return value


def _title_by_external(provider: str, external_id: str) -> Title | None:
    row = ExternalId.objects.filter(provider=provider, external_id=external_id).select_related("title").first()
    return row.title if row else None


# --- Search ---------------------------------------------------------------------


def provider_results(*, type: str, query: str, ident: str, language: str = "en", provider: str | None = None) -> dict:
    """What the configured provider of ``type`` finds for ``query``:
    ``{"provider", "label", "attribution", "results": [...]}`` where each
    result carries ``title_id`` when the title is already in Walks.

    Raises NotFound (``provider_not_configured``) when no provider serves
    the type, ProviderUnavailable (503) when it is down or slow, and
    RateLimited past the ``provider-search`` limit (settings.RATE_LIMITS) for ``ident``.
    """
    if provider:
        adapter = provider_get(clean_provider(provider), type=type)
    else:
        adapters = providers_for(type)
        if not adapters:
            message = _("No provider is configured for this type.")
            raise NotFound(message, code="provider_not_configured")
        adapter = adapters[0]
    ratelimit.check("provider-search", ident)
    results = [r for r in provider_search(adapter, type=type, query=query, language=language) if r.type == type]
    known = dict(
        ExternalId.objects.filter(provider=adapter.name, external_id__in=[r.external_id for r in results]).values_list(
            "external_id", "title_id"
        )
    )
    return {
        "provider": adapter.name,
        "label": adapter.label,
        "attribution": adapter.attribution,
        "results": [
            {
                "provider": r.provider,
                "external_id": r.external_id,
                "type": r.type,
                "name": r.name,
                "release_year": r.release_year,
                # Only covers on the provider's image host, for the page as for the task.
                "cover_url": r.cover_url if url_allowed(r.cover_url, adapter.image_url) else "",
                "title_id": known.get(r.external_id),
            }
            for r in results
        ],
    }


# --- Add --------------------------------------------------------------------------


def title_add_from_provider(*, actor, provider: Any, external_id: Any, language: str = "en") -> tuple[Title, bool]:
    """The title of ``provider``'s ``external_id``, created from the
    provider's data unless Walks has it already; ``(title, created)``.
    The cover follows in a task."""
    if actor is None or not actor.is_authenticated:
        raise NotAuthenticated()
    provider = clean_provider(provider)
    external_id = clean_external_id(external_id)
    existing = _title_by_external(provider, external_id)
    if existing is not None:
        return existing, False
    adapter = provider_get(provider)
    ratelimit.check("provider-add-user", str(actor.pk))
    # The provider is asked outside any transaction: no row lock waits on the network.
    result = adapter.fetch(external_id=external_id, language=language)
    return title_from_result(result=result)


def _values(result: ProviderResult) -> dict[str, Any]:
    if result.release_year is None:
        message = _("The provider gives no release year for this title yet, so it cannot be added.")
        raise Invalid(message, code="provider_title_incomplete")
    return clean_title_fields(
        {
            "name": result.name,
            "description": result.description,
            "type": result.type,
            "release_year": result.release_year,
        },
        partial=False,
    )


@transaction.atomic
def title_from_result(*, result: ProviderResult) -> tuple[Title, bool]:
    """Create the title a provider described, or return the one Walks has:
    by the provider's id, or by a cross-reference (an IMDb or MyAnimeList id
    a curator linked), which then gains the provider's id."""
    values = _values(result)
    by_reference = _title_by_cross_reference(result)
    if by_reference is not None:
        return by_reference, False
    try:
        with transaction.atomic():
            title = Title.objects.create(**values, origin=result.provider)
            # Two adds of one title at once: the second waits here on the
            # unique index until the first commits, then fails and returns it.
            ExternalId.objects.create(title=title, provider=result.provider, external_id=result.external_id)
    except IntegrityError:
        existing = _title_by_external(result.provider, result.external_id)
        if existing is None:
            raise
        return existing, False
    _add_cross_references(title, result.external_ids)
    transaction.on_commit(lambda: titles_changed(title.type))
    if result.cover_url:
        _cover_fetch_on_commit(title.pk, result.provider, result.cover_url)
    return title, True


def _title_by_cross_reference(result: ProviderResult) -> Title | None:
    for provider, value in result.external_ids.items():
        row = (
            ExternalId.objects.filter(provider=provider, external_id=value, title__type=result.type)
            .select_related("title")
            .first()
        )
        if row is None:
            continue
        title = row.title
        if ExternalId.objects.filter(title=title, provider=result.provider).exists():
            continue  # linked to another id of this provider: not ours to merge
        try:
            with transaction.atomic():
                ExternalId.objects.create(title=title, provider=result.provider, external_id=result.external_id)
        except IntegrityError:
            return _title_by_external(result.provider, result.external_id)
        _add_cross_references(title, result.external_ids)
        transaction.on_commit(lambda t=title: titles_changed(t.type, counts=False, pk=t.pk))
        if result.cover_url and not title.cover:
            _cover_fetch_on_commit(title.pk, result.provider, result.cover_url)
        return title
    return None


def _add_cross_references(title: Title, ids: dict[str, str]) -> None:
    """Record the IMDb or MyAnimeList ids a provider knows, unless another
    title holds them already (then they stay with it) or this one has one."""
    for provider, value in ids.items():
        if provider not in Provider.values or not value or len(value) > EXTERNAL_ID_MAX:
            continue
        try:
            with transaction.atomic():
                ExternalId.objects.get_or_create(title=title, provider=provider, defaults={"external_id": value})
        except IntegrityError:
            logger.info("%s:%s is another title's already; not added to title %s", provider, value, title.pk)


# --- Curators: refresh and link ----------------------------------------------------------------


def _primary_link(title: Title) -> ExternalId:
    row = ExternalId.objects.filter(title=title, provider__in=PRIMARY).order_by("provider").first()
    if row is None:
        message = _("This title is not linked to a provider yet.")
        raise NotFound(message, code="title_not_linked")
    return row


def title_refresh_from_provider(*, actor, title: Title, language: str = "en") -> Title:
    """Name, description, year, cross-references and cover again from the
    title's provider (curators)."""
    catalog_permission_check(user=actor, action="change")
    link = _primary_link(title)
    result = provider_get(link.provider).fetch(external_id=link.external_id, language=language)
    return _apply_result(title=title, result=result, cover=True)


@transaction.atomic
def _apply_result(*, title: Title, result: ProviderResult, cover: bool) -> Title:
    if result.type != title.type:
        message = _("The provider describes a title of another type.")
        raise Invalid(message, code="provider_type_mismatch")
    values = _values(result)
    title = Title.objects.select_for_update().get(pk=title.pk)
    for key in ("name", "description", "release_year"):
        setattr(title, key, values[key])
    title.save(update_fields=["name", "description", "release_year", "updated_at"])
    _add_cross_references(title, result.external_ids)
    transaction.on_commit(lambda: titles_changed(title.type, counts=False, pk=title.pk))
    if cover and result.cover_url:
        _cover_fetch_on_commit(title.pk, result.provider, result.cover_url)
    return title


def title_link_provider(*, actor, title: Title, provider: Any, external_id: Any, language: str = "en") -> ExternalId:
    """Link ``title`` to a provider's id (curators). A configured provider's
    id is checked with it first (and its cross-references and a missing
    cover come along); an IMDb or MyAnimeList id is taken as given."""
    catalog_permission_check(user=actor, action="change")
    provider = clean_provider(provider)
    external_id = clean_external_id(external_id)
    result = None
    # A configured provider's id is checked with it; an id of a provider not
    # configured here (or a cross-reference) is taken as the curator gave it.
    if provider in PRIMARY and any(p.name == provider for p in providers_all()):
        result = provider_get(provider).fetch(external_id=external_id, language=language)
        if result.type != title.type:
            message = _("The provider describes a title of another type.")
            raise Invalid(message, code="provider_type_mismatch")
    return _link(title=title, provider=provider, external_id=external_id, result=result)


@transaction.atomic
def _link(*, title: Title, provider: str, external_id: str, result: ProviderResult | None) -> ExternalId:
    holder = ExternalId.objects.filter(provider=provider, external_id=external_id).first()
    if holder is not None and holder.title_id != title.pk:
        message = _("Another title is linked to this id already.")
        raise Conflict(message, code="external_id_taken", errors={"external_id": [message]})
    try:
        with transaction.atomic():
            row, _created = ExternalId.objects.update_or_create(
                title=title, provider=provider, defaults={"external_id": external_id}
            )
    except IntegrityError:
        message = _("Another title is linked to this id already.")
        raise Conflict(message, code="external_id_taken", errors={"external_id": [message]}) from None
    if result is not None:
        _add_cross_references(title, result.external_ids)
        if result.cover_url and not title.cover:
            _cover_fetch_on_commit(title.pk, result.provider, result.cover_url)
    transaction.on_commit(lambda: titles_changed(title.type, counts=False, pk=title.pk))
    return row


@transaction.atomic
def title_unlink_provider(*, actor, title: Title, provider: str) -> None:
    catalog_permission_check(user=actor, action="change")
    ExternalId.objects.filter(title=title, provider=provider).delete()
    transaction.on_commit(lambda: titles_changed(title.type, counts=False, pk=title.pk))


# --- Covers -----------------------------------------------------------------------


def _cover_fetch_on_commit(title_id: int, provider: str, url: str) -> None:
    def enqueue() -> None:
        from .tasks import fetch_title_cover

        try:
            broker.enqueue(fetch_title_cover, args=(title_id, provider, url))
        except broker.BrokerUnavailable:
            # The placeholder stays; a curator's refresh fetches the cover again.
            logger.info("cover of title %s not fetched: broker unavailable", title_id)

    transaction.on_commit(enqueue, robust=True)


def title_cover_fetch(*, title_id: int, provider: str, url: str) -> bool:
    """Download ``url`` from ``provider``'s image host only, and make it the
    title's cover through the image pipeline. False when the title is gone
    or the image is refused (the placeholder stays)."""
    title = Title.objects.filter(pk=title_id).first()
    if title is None:
        return False
    data = provider_get(provider).download_cover(url)  # CoverRefused, ProviderUnavailable
    try:
        title_cover_store(title=title, upload=ContentFile(data, name="cover"))
    except ServiceError as exc:
        logger.warning("cover of title %s from %s refused: %s", title_id, provider, exc.code)
        return False
    return True
