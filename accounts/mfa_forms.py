"""Forms of the second-factor pages: shapes only; the rules are in ``accounts.mfa``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import Form, code_field, password_field


class MfaCodeForm(Form):
    """The sign-in step: a code from the app or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={
                "class": "code-input",
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class MfaEnrolForm(Form):
    code = code_field(_("Code from the app"), _("Enter the 6 digits your app shows."))


class MfaSecretForm(Form):
    """Turning the second factor off or replacing the codes asks who is there again."""

    secret = password_field(_("Password or a current code"))
