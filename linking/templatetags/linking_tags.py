from django import template

register = template.Library()


@register.simple_tag
def pending_link_offers(user):
    """Replaced by the linking app: offers waiting for this user's answer."""
    return ""
