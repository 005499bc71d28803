"""The page links of ``includes/pagination.html``."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context, param: str, number) -> str:
    """This page's URL with ``param`` set to ``number`` (other filters kept)."""
    query = context["request"].GET.copy()
    query[param] = number
    return "?" + query.urlencode()


@register.simple_tag
def page_range(page):
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
