from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import image_input

from .models import MAX_RELEASE_YEAR, MIN_RELEASE_YEAR, Title, TitleType


class TitleForm(forms.Form):
    """The shape of a title; catalog.services checks and writes it."""

    name = forms.CharField(label=_("Name"), max_length=Title._meta.get_field("name").max_length)
    type = forms.ChoiceField(label=_("Type"), choices=TitleType.choices)
    release_year = forms.IntegerField(label=_("Release year"), min_value=MIN_RELEASE_YEAR, max_value=MAX_RELEASE_YEAR)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=Title._meta.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    force = forms.BooleanField(label=_("Add it anyway: it is a different title"), required=False)


class CoverForm(forms.Form):
    cover = forms.FileField(
        label=_("Cover image"),
        help_text=_("JPEG, PNG or WebP, up to 5 MB. It is resized to 600 pixels high."),
        widget=image_input(**{"data-preview": "#cover-preview"}),
    )
