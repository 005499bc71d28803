from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import EMAIL_MAX_LENGTH, PASSWORD_MAX_LENGTH
from core.errors import ServiceError

from .models import Staff
from .services import staff_clean


class ActivateForm(forms.Form):
    """Shape only; staff.services.staff_activate decides."""

    email = forms.EmailField(
        label=_("Work e-mail"), max_length=EMAIL_MAX_LENGTH, widget=forms.EmailInput(attrs={"autocomplete": "username"})
    )
    activation_code = forms.CharField(
        label=_("Activation code"),
        max_length=64,
        help_text=_("The code from the bot, like ABCD-EFGH-JK. Spaces, dashes and lower case are fine."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "ABCD-EFGH-JK",
                "class": "code-input",
            }
        ),
    )
    password = forms.CharField(
        label=_("New password"),
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        help_text=_("At least 8 characters, not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Repeat the password"),
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The passwords do not match."))
        return data


class StaffAdminForm(forms.ModelForm):
    """The admin's door: staff.services.staff_clean normalises and checks,
    exactly as for the API; its errors become form errors."""

    # Wider than the stored value: "+7 (999) 123-45-67" is normalised before it is checked.
    phone = forms.CharField(
        label=capfirst(Staff._meta.get_field("phone").verbose_name),
        max_length=40,
        help_text=Staff._meta.get_field("phone").help_text,
    )

    class Meta:
        model = Staff
        fields = ["full_name", "email", "phone", "position"]

    def clean(self):
        data = super().clean()
        try:
            cleaned = staff_clean(
                full_name=data.get("full_name", self.instance.full_name),
                email=data.get("email", self.instance.email),
                phone=data.get("phone", self.instance.phone),
                exclude_pk=self.instance.pk,
            )
        except ServiceError as exc:
            if exc.errors:
                for field, messages in exc.errors.items():
                    if field not in self.errors:
                        self.add_error(field if field in self.fields else None, messages)
            else:
                self.add_error("email" if "email" in self.fields else None, str(exc.detail))
            return data
        data.update({k: v for k, v in cleaned.items() if k in self.fields})
        return data
