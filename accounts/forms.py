"""Page forms: shapes only. The rules are in ``services`` (shared with the API)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from core.errors import ServiceError
from core.forms import add_service_error, image_input

from .models import (
    BIO_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    LINK_MAX_LENGTH,
    LINKS_MAX,
    PASSWORD_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
)


def email_field(label=None, **attrs) -> forms.EmailField:
    return forms.EmailField(
        label=label or _("E-mail"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none", **attrs}),
    )


def password_field(label, autocomplete="current-password", help_text=None) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=PASSWORD_MAX_LENGTH,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
    )


def new_password_field(label=None) -> forms.CharField:
    return password_field(
        label or _("New password"), "new-password", _("At least 8 characters; not a common or all-digit password.")
    )


def code_field(label=None, message=None) -> forms.CharField:
    """A 6-digit code: e-mailed (the default wording), or shown by an authenticator app."""
    return forms.CharField(
        label=label or _("Code from the e-mail"),
        min_length=6,
        max_length=6,
        validators=[RegexValidator(r"^\d{6}$", message or _("Enter the 6 digits from the e-mail."))],
        widget=forms.TextInput(
            attrs={
                "class": "code-input",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": r"\d{6}",
                "maxlength": "6",
                "placeholder": "000000",
            }
        ),
    )


class ServiceErrorsMixin:
    """Show a ServiceError on the form: field errors on their fields, the rest on top."""

    def add_service_error(self, exc: ServiceError) -> None:
        add_service_error(self, exc)


class Form(ServiceErrorsMixin, forms.Form):
    pass


class EmailForm(Form):
    email = email_field(autofocus=True)


class SignUpConfirmForm(Form):
    code = code_field()
    username = forms.CharField(
        label=_("Username"),
        max_length=USERNAME_MAX_LENGTH,
        help_text=_("3-30 characters: Latin letters, digits, dots, dashes and underscores."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = new_password_field(_("Password"))


class SignInForm(Form):
    email = email_field(autofocus=True)
    password = password_field(_("Password"))


class _NewPasswordTwice(Form):
    new_password = new_password_field()
    new_password2 = password_field(_("New password again"), "new-password")

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password2") and data["new_password"] != data["new_password2"]:
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class PasswordRestoreConfirmForm(_NewPasswordTwice):
    code = code_field()
    field_order = ["code", "new_password", "new_password2"]


class PasswordChangeForm(_NewPasswordTwice):
    current_password = password_field(_("Current password"))
    field_order = ["current_password", "new_password", "new_password2"]


class EmailChangeForm(Form):
    email = email_field(label=_("New e-mail"), autofocus=True)


class EmailChangeConfirmForm(Form):
    code = code_field()
    password = password_field(_("Your password"))


class ProfileForm(Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=USERNAME_MAX_LENGTH,
        help_text=_("3-30 characters: Latin letters, digits, dots, dashes and underscores."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    bio = forms.CharField(
        label=_("About you"),
        max_length=BIO_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        strip=False,
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        # Each link, its line break and some blanks around it; accounts.services checks the links.
        max_length=LINKS_MAX * (LINK_MAX_LENGTH + 5),
        help_text=_("Up to 5 web addresses, one per line."),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://"}),
    )
    locale = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def cleaned_links(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("links", "").splitlines() if line.strip()]


class AvatarForm(Form):
    avatar = forms.FileField(
        label=_("New avatar"),
        help_text=_("JPEG, PNG or WebP, up to 5 MB. It is cropped to a square."),
        widget=image_input(),
    )
