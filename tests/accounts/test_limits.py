"""Each limit is read from one place: the model field or one constant in
accounts.models. These checks fail when a door grows its own number again."""

from __future__ import annotations

from accounts import forms, serializers
from accounts.models import (
    BIO_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    LINK_MAX_LENGTH,
    LINKS_MAX,
    PASSWORD_MAX_LENGTH,
    Profile,
    User,
)
from linking.forms import OfferForm
from linking.serializers import OfferCreateIn
from staff.forms import ActivateForm
from staff.models import Staff
from staff.serializers import ActivateIn


def test_the_email_maximum():
    assert User._meta.get_field("email").max_length == EMAIL_MAX_LENGTH == 254
    assert Staff._meta.get_field("email").max_length == EMAIL_MAX_LENGTH
    assert forms.EmailForm().fields["email"].max_length == EMAIL_MAX_LENGTH
    assert serializers.EmailValidateIn().fields["email"].max_length == EMAIL_MAX_LENGTH
    assert OfferForm().fields["email"].max_length == EMAIL_MAX_LENGTH
    assert OfferCreateIn().fields["email"].max_length == EMAIL_MAX_LENGTH
    assert ActivateForm().fields["email"].max_length == EMAIL_MAX_LENGTH


def test_the_bio_and_links_maxima():
    assert Profile._meta.get_field("bio").max_length == BIO_MAX_LENGTH == 1000
    assert forms.ProfileForm().fields["bio"].max_length == BIO_MAX_LENGTH
    fields = serializers.ProfileUpdateIn().fields
    assert fields["bio"].max_length == BIO_MAX_LENGTH
    assert fields["links"].max_length == LINKS_MAX == 5
    assert fields["links"].child.max_length == LINK_MAX_LENGTH == 200


def test_the_password_maximum():
    assert PASSWORD_MAX_LENGTH == 128
    assert forms.PasswordChangeForm().fields["new_password"].max_length == PASSWORD_MAX_LENGTH
    assert serializers.PasswordChangeIn().fields["new_password"].max_length == PASSWORD_MAX_LENGTH
    assert ActivateForm().fields["password"].max_length == PASSWORD_MAX_LENGTH
    assert ActivateIn().fields["password"].max_length == PASSWORD_MAX_LENGTH
