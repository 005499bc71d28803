"""Hooks the shared layout calls: the home page's offers, the account menu's
switcher and the settings page's section. Each costs one query or none."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.template.loader import render_to_string

from ..selectors import group_members, offers_incoming, offers_outgoing
from ..views import SESSION_FORM, SESSION_NEW_OFFER

register = template.Library()


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


@register.simple_tag(takes_context=True)
def pending_link_offers(context, user):
    """Home page: offers waiting for this user's answer (Accept / Decline)."""
    if not _signed_in(user):
        return ""
    offers = list(offers_incoming(user))
    if not offers:
        return ""
    request = context.get("request")
    return render_to_string(
        "linking/_offers.html",
        {"offers": offers, "next": request.get_full_path() if request else "/"},
        request=request,
    )


@register.simple_tag(takes_context=True)
def linked_account_switcher(context, request):
    """Account menu: switch to another account of the user's group."""
    user = getattr(request, "user", None)
    if not _signed_in(user) or not user.group_uuid:
        return ""  # no query for the many accounts without a group
    members = list(group_members(user))
    if not members:
        return ""
    return render_to_string("linking/_switcher.html", {"members": members}, request=request)


@register.simple_tag(takes_context=True)
def linked_accounts_panel(context, request):
    """Settings page: create an offer, see and leave linked accounts."""
    user = getattr(request, "user", None)
    if not _signed_in(user):
        return ""
    members = list(group_members(user))
    session = request.session
    new_offer = session.pop(SESSION_NEW_OFFER, None)
    if new_offer:
        new_offer["expires_at"] = datetime.fromisoformat(new_offer["expires_at"])
    form = session.pop(SESSION_FORM, None) or {}
    return render_to_string(
        "linking/_panel.html",
        {
            "members": members,
            "incoming": list(offers_incoming(user)),
            "outgoing": list(offers_outgoing(user)),
            # An account already sharing a group cannot join another one;
            # others join this group by making the offer from their side.
            "can_offer": not members,
            "new_offer": new_offer,
            "form_email": form.get("email", ""),
            "form_error": form.get("error", ""),
            "next": request.get_full_path(),
        },
        request=request,
    )


def layout_holes(request, *, offers: bool = False) -> dict:
    """The parts of a page cached whole (core.visitor_cache) that are drawn
    for every answer: they show other accounts' rows, outside the visitor's
    scopes. The account menu's switcher (no query without a group), and on
    the home page the offers waiting for the visitor (one query)."""
    holes = {"switcher": lambda: linked_account_switcher({}, request)}
    if offers:
        holes["link_offers"] = lambda: pending_link_offers({"request": request}, request.user)
    return holes
