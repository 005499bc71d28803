from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RATING_MAX, RATING_MIN, Review


class ReviewForm(forms.Form):
    """The shape of a review; reviews.services checks and writes it."""

    rating = forms.IntegerField(
        label=_("Your rating"),
        min_value=RATING_MIN,
        max_value=RATING_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "rating-input"}),
    )
    text = forms.CharField(
        label=_("Your review"),
        required=False,
        max_length=Review._meta.get_field("text").max_length,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("What did you think?")}),
    )


# A rejected review goes back to the title page by a redirect (so that every
# link on it keeps working), its input and errors kept in the session once.
DRAFT = "reviews:draft:{}"


def draft_keep(request, *, title_id: int, form: ReviewForm) -> None:
    request.session[DRAFT.format(title_id)] = {
        "rating": str(form.data.get("rating", ""))[:20],
        "text": str(form.data.get("text", ""))[: Review._meta.get_field("text").max_length + 1],
        "error": " ".join(str(e) for e in form.non_field_errors()),
    }


def has_draft(request, *, title_id: int) -> bool:
    """Whether a kept form waits to be shown on the title's page."""
    session = getattr(request, "session", None)
    return session is not None and DRAFT.format(title_id) in session


def draft_form(request, *, title_id: int) -> ReviewForm | None:
    """The kept form, bound so it shows its errors; None when there is none."""
    session = getattr(request, "session", None)
    if session is None or DRAFT.format(title_id) not in session:
        return None
    data = session.pop(DRAFT.format(title_id))
    if not isinstance(data, dict):
        return None
    form = ReviewForm({"rating": data.get("rating", ""), "text": data.get("text", "")})
    form.is_valid()
    if data.get("error"):
        form.add_error(None, data["error"])
    return form
