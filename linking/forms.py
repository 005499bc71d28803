from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import EMAIL_MAX_LENGTH


class OfferForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of the other account"), max_length=EMAIL_MAX_LENGTH)
