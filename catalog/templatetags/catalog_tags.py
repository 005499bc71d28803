from __future__ import annotations

from django import template
from django.utils import formats
from django.utils.translation import pgettext

from catalog.covers import cover_url as _cover_url
from catalog.models import TitleType
from catalog.permissions import can_curate

register = template.Library()


@register.filter
def cover_url(title) -> str:
    return _cover_url(title)


@register.filter
def type_label(value: str) -> str:
    try:
        return TitleType(value).label
    except ValueError:
        return value


@register.filter
def type_plural(value: str) -> str:
    return {
        TitleType.GAME: pgettext("title types", "Games"),
        TitleType.FILM: pgettext("title types", "Films"),
        TitleType.SERIES: pgettext("title types", "Series"),
        TitleType.ANIME: pgettext("title types", "Anime"),
    }.get(value, value)


@register.filter
def score(value) -> str:
    """A rating as people read it: 87, or 81.7 when it is not whole, with the
    page language's decimal separator (81,7 in Russian; the API keeps the dot)."""
    if value is None:
        return "—"
    value = round(float(value), 1)
    return str(int(value)) if value.is_integer() else formats.number_format(value, 1)


@register.filter
def curates(user, action: str = "change") -> bool:
    return can_curate(user, action)
