"""Page forms: shapes only; imports.services checks the file and the choices."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Held, Mode, Source


class ImportForm(forms.Form):
    source = forms.ChoiceField(label=_("From"), choices=Source.choices)
    file = forms.FileField(
        label=_("Export file"),
        help_text=_(
            "Letterboxd ZIP or CSV, IMDb CSV, MyAnimeList XML (.xml or .xml.gz), HowLongToBeat CSV, Walks JSON. At most 20 MB."
        ),
    )
    mode = forms.ChoiceField(
        label=_("What is already there"), choices=Mode.choices, initial=Mode.NEW, widget=forms.RadioSelect
    )


class ConfirmForm(forms.Form):
    held = forms.ChoiceField(
        label=_("On-Hold and Dropped anime"),
        choices=Held.choices,
        initial=Held.IN_PROGRESS,
        widget=forms.RadioSelect,
        required=False,
    )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        required=False,
        strip=False,
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("The code from the e-mail"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    confirm = forms.BooleanField(label=_("I understand that this cannot be undone."), required=True)
