from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import locale_choices


class ProfileEditForm(forms.Form):
    """The page's shape: the service validates the values against the account."""

    locale = forms.ChoiceField(label=_("Language"), choices=())
    passphrase = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep your current password. At least 8 characters, not a common one."),
    )
    passphrase_confirm = forms.CharField(
        label=_("Repeat the new password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["locale"].choices = [(item["code"], item["name"]) for item in locale_choices()]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("passphrase_confirm") and not cleaned.get("passphrase"):
            self.add_error("passphrase", _("Enter the new password in both fields."))
        return cleaned
