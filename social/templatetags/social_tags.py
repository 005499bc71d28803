from __future__ import annotations

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("social/_follow_panel.html", takes_context=True)
def follow_panel(context, person):
    """Followers and following counts, and the viewer's follow and block buttons."""
    request = context["request"]
    return {
        "request": request,
        "person": person,
        "relation": selectors.relation(viewer=request.user, owner_id=person.pk),
        "is_me": request.user.is_authenticated and request.user.pk == person.pk,
        "signed_in": request.user.is_authenticated,
    }


@register.inclusion_tag("social/_feed.html", takes_context=True)
def feed_panel(context):
    """The home page's feed: the walks and reviews of the people one follows."""
    request = context["request"]
    raw = request.GET.get("feed") or "1"
    number = int(raw) if raw.isdigit() else 1
    page = selectors.feed_page(user_id=request.user.pk, number=number)
    return {"request": request, "feed": page}


@register.inclusion_tag("social/_settings_panel.html", takes_context=True)
def social_settings_panel(context):
    request = context["request"]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "is_private": request.user.profile.is_private,
        "prefs": selectors.preferences(user_id=request.user.pk),
    }
