import pytest
from django.core.management import call_command

from accounts.models import User


@pytest.mark.django_db
def test_createsuperuser_noinput_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Admin@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "an-admin-passphrase-1")
    call_command("createsuperuser", "--noinput", verbosity=0)
    admin = User.objects.get()
    assert admin.email == "admin@example.com"
    assert admin.is_superuser and admin.is_staff and admin.is_active
    assert admin.check_password("an-admin-passphrase-1")
    assert admin.profile.username == "admin" and 100_000 <= admin.pin <= 999_999


@pytest.mark.django_db
def test_createsuperuser_refuses_a_taken_email(monkeypatch, user):
    from django.core.management.base import CommandError

    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", user.email)
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "an-admin-passphrase-1")
    with pytest.raises(CommandError):
        call_command("createsuperuser", "--noinput", verbosity=0)
    assert User.objects.count() == 1
