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
