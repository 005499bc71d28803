import pytest

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # These tests create many accounts and never check a password's strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Alice, Bob and Carol: the accounts every linking test links.
@pytest.fixture
def a():
    return UserFactory(email="alice@example.com", username="alice")


@pytest.fixture
def b():
    return UserFactory(email="bob@example.com", username="bob")


@pytest.fixture
def c():
    return UserFactory(email="carol@example.com", username="carol")
