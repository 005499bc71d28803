from django import template
from django.template.loader import render_to_string

from reviews.selectors import user_reviews
from walks.labels import state_label as _state_label
from walks.selectors import user_walks

register = template.Library()

RECENT = 6


@register.filter
def state_label(state, title_type=None):
    """``{{ walk.state|state_label:walk.title.type }}``: Playing / Beaten for a
    game, Watching / Watched for a film, a series or an anime (walks.labels)."""
    return _state_label(state, title_type)


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
