"""Hooks the shared layout calls; the linking app fills them in."""

from django import template

register = template.Library()


@register.simple_tag
def pending_link_offers(user):
    """Home page: offers waiting for this user's answer (Accept / Decline)."""
    return ""


@register.simple_tag
def linked_account_switcher(request):
    """Account menu: switch to another account of the user's group."""
    return ""


@register.simple_tag
def linked_accounts_panel(request):
    """Settings page: create an offer, see and leave linked accounts."""
    return ""
