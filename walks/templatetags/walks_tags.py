from django import template
from django.template.loader import render_to_string

from reviews.selectors import user_reviews
from walks.selectors import user_walks

register = template.Library()

RECENT = 6


@register.simple_tag(takes_context=True)
def recent_activity(context, user):
    """Home: the user's recently updated walks and reviews (two queries)."""
    if user is None or not user.is_authenticated:
        return ""
    return render_to_string(
        "walks/_recent_activity.html",
        {
            "walks": list(user_walks(user_id=user.pk)[:RECENT]),
            "reviews": list(user_reviews(user_id=user.pk)[:RECENT]),
            "person": user,
        },
        request=context.get("request"),
    )
