import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # These tests create many accounts and never check a password's strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
