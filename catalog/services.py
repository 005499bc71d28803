"""Changes to the catalogue, shared by the pages, the API and the admin."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core import ratelimit
from core.cache import bump
from core.errors import Conflict, Invalid
from core.images import reencode_image

from .cache import title_list_scope, title_scope
from .models import MAX_RELEASE_YEAR, MIN_RELEASE_YEAR, Title, TitleType
from .names import name_key
from .permissions import catalog_permission_check
from .selectors import title_count_forget

NAME_MAX = Title._meta.get_field("name").max_length
DESCRIPTION_MAX = Title._meta.get_field("description").max_length
COVER_MAX_SIDE = 600  # a 2:3 cover ends up 400 x 600
FIELDS = ("name", "description", "type", "release_year")


def _fail(field: str, message: str, code: str) -> Invalid:
    return Invalid(f"{field}: {message}", code=code, errors={field: [message]})


def clean_title_fields(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Check the values of a title; the one rule for the form, the API and the admin."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise Invalid(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))}, code="invalid")
    if not partial:
        missing = [f for f in ("name", "type", "release_year") if f not in data]
        if missing:
            raise Invalid(
                _("Required: %(f)s.") % {"f": ", ".join(missing)},
                code="required",
                errors={f: [_("This field is required.")] for f in missing},
            )
    out: dict[str, Any] = {}
    if "name" in data:
        name = " ".join(str(data["name"] or "").split())
        if not name:
            raise _fail("name", _("Give the title a name."), "name_required")
        if len(name) > NAME_MAX or "\x00" in name:
            raise _fail("name", _("At most %(n)d characters.") % {"n": NAME_MAX}, "name_too_long")
        out["name"] = name
    if "description" in data:
        description = str(data["description"] or "").strip()
        if len(description) > DESCRIPTION_MAX or "\x00" in description:
            raise _fail("description", _("At most %(n)d characters.") % {"n": DESCRIPTION_MAX}, "description_too_long")
        out["description"] = description
    if "type" in data:
        if data["type"] not in TitleType.values:
            raise _fail("type", _("Choose one of: %(t)s.") % {"t": ", ".join(TitleType.values)}, "invalid_type")
        out["type"] = data["type"]
    if "release_year" in data:
        year = data["release_year"]
        if type(year) is not int or not MIN_RELEASE_YEAR <= year <= MAX_RELEASE_YEAR:
            raise _fail(
                "release_year",
                _("A year from %(a)d to %(b)d.") % {"a": MIN_RELEASE_YEAR, "b": MAX_RELEASE_YEAR},
                "invalid_release_year",
            )
        out["release_year"] = year
    return out


def titles_changed(*types: str, counts: bool = True, pk: int | None = None) -> None:
    """Titles of ``types`` were written and committed: their cached lists are
    stale, and so are their counts unless the titles only changed in place;
    and so is title ``pk`` itself."""
    types = tuple(t for t in types if t)
    if counts:
        title_count_forget(*types)
    bump(*(title_list_scope(t) for t in types), *([title_scope(pk)] if pk else []))


class DuplicateTitle(Conflict):
    """The same type, name (folded) and year exists; ``existing`` is it."""

    code = "duplicate_title"

    def __init__(self, existing: Title):
        message = _("“%(name)s” (%(year)s) is already in the catalogue.") % {
            "name": existing.name,
            "year": existing.release_year,
        }
        super().__init__(message, errors={"name": [message]})
        self.existing = existing


def title_duplicate(*, type: str, name: str, release_year: int) -> Title | None:
    return Title.objects.filter(type=type, name_key=name_key(name), release_year=release_year).order_by("id").first()


@transaction.atomic
def title_create(*, actor, force: bool = False, **fields: Any) -> Title:
    """Add a title. An exact duplicate (same type, folded name and year) is
    refused with :class:`DuplicateTitle` unless the curator insists (``force``)."""
    catalog_permission_check(user=actor, action="add")
    values = clean_title_fields(fields, partial=False)
    if not force:
        existing = title_duplicate(type=values["type"], name=values["name"], release_year=values["release_year"])
        if existing is not None:
            raise DuplicateTitle(existing)
    title = Title.objects.create(**values)
    transaction.on_commit(lambda: titles_changed(title.type))
    return title


@transaction.atomic
def title_update(*, actor, title: Title, **fields: Any) -> Title:
    catalog_permission_check(user=actor, action="change")
    values = clean_title_fields(fields, partial=True)
    old_type = title.type
    for key, value in values.items():
        setattr(title, key, value)
    title.save(update_fields=[*values, "updated_at"])
    if title.type != old_type:
        transaction.on_commit(lambda: titles_changed(old_type, title.type, pk=title.pk))
    else:
        transaction.on_commit(lambda: titles_changed(title.type, counts=False, pk=title.pk))
    return title


@transaction.atomic
def title_set_cover(*, actor, title: Title, upload) -> Title:
    catalog_permission_check(user=actor, action="change")
    ratelimit.check("image-upload-user", f"user:{actor.pk}")  # decoding costs memory and CPU
    return title_cover_store(title=title, upload=upload)


@transaction.atomic
def title_cover_store(*, title: Title, upload) -> Title:
    """Re-encode ``upload`` and make it the title's cover, through the cover
    field's storage; the replaced file goes once the change has committed.
    No permission check: the caller is a curator's door (title_set_cover)
    or the system (a provider's cover, catalog.provider_services)."""
    content = reencode_image(upload, field="cover", max_side=COVER_MAX_SIDE)
    old = title.cover.name if title.cover else ""
    title.cover.save(content.name, content, save=False)
    title.save(update_fields=["cover", "updated_at"])
    transaction.on_commit(lambda: titles_changed(title.type, counts=False, pk=title.pk))
    if old:
        storage = title.cover.storage
        transaction.on_commit(lambda: storage.delete(old))
    return title


@transaction.atomic
def title_remove_cover(*, actor, title: Title) -> Title:
    """Back to the placeholder; the file goes once the change has committed."""
    catalog_permission_check(user=actor, action="change")
    old = title.cover.name if title.cover else ""
    if not old:
        return title
    storage = title.cover.storage
    title.cover = ""
    title.save(update_fields=["cover", "updated_at"])
    transaction.on_commit(lambda: titles_changed(title.type, counts=False, pk=title.pk))
    transaction.on_commit(lambda: storage.delete(old))
    return title


@transaction.atomic
def title_delete(*, actor, title: Title) -> None:
    catalog_permission_check(user=actor, action="delete")
    cover = title.cover.name if title.cover else ""
    storage = title.cover.storage
    type_, pk = title.type, title.pk
    title.delete()  # walks and reviews go with it

    def after():
        # Whatever lists the title's walks or reviews depends on its scope too.
        titles_changed(type_, pk=pk)
        if cover:
            storage.delete(cover)

    transaction.on_commit(after)


# --- Titles created by imports, and merges ---------------------------------------------
# An imported history that matches no title creates one from the file's own
# data (no curator permission: the person only names what they watched), so
# that an import never silently loses a row; curators find them by origin
# in the admin and merge duplicates.


@transaction.atomic
def titles_create_imported(*, items: list[dict[str, Any]], origin: str) -> list[Title]:
    """Create many titles at once (one INSERT per 500) from ``items`` of
    ``{name, type, release_year, external_ids: {provider: id}}``. An external
    id another title already has is left out."""
    from .models import ExternalId
    from .names import name_key

    titles = []
    for item in items:
        values = clean_title_fields({k: item[k] for k in ("name", "type", "release_year")}, partial=False)
        title = Title(**values, origin=origin[:32])
        title.name_key = name_key(title.name)
        titles.append(title)
    Title.objects.bulk_create(titles, batch_size=500)
    ids = [
        ExternalId(title=title, provider=provider, external_id=str(value)[:64])
        for title, item in zip(titles, items, strict=True)
        for provider, value in (item.get("external_ids") or {}).items()
        if value
    ]
    ExternalId.objects.bulk_create(ids, ignore_conflicts=True, batch_size=500)
    types = sorted({t.type for t in titles})
    if types:
        transaction.on_commit(lambda: titles_changed(*types))
    return titles


def title_create_imported(
    *, name: str, type: str, release_year: int, origin: str, external_ids: dict[str, str] | None = None
) -> Title:
    items = [{"name": name, "type": type, "release_year": release_year, "external_ids": external_ids or {}}]
    return titles_create_imported(items=items, origin=origin)[0]


@transaction.atomic
def title_absorb_catalog(*, actor, source: Title, target: Title) -> None:
    """The catalogue's part of merging ``source`` into ``target``: the
    external ids ``target`` lacks move over, then ``source`` is deleted. The
    caller (imports.services.title_merge) has moved the walks and reviews."""
    from .models import ExternalId

    catalog_permission_check(user=actor, action="delete")
    if source.pk == target.pk:
        raise Invalid(_("A title cannot be merged into itself."), code="merge_same_title")
    have = set(ExternalId.objects.filter(title=target).values_list("provider", flat=True))
    ExternalId.objects.filter(title=source).exclude(provider__in=have).update(title=target)
    title_delete(actor=actor, title=source)
    transaction.on_commit(lambda: titles_changed(target.type, counts=False, pk=target.pk))
