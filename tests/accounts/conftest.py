import pytest


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Argon2 costs ~0.1 s per hash on purpose; these tests hash hundreds of
    times. test_argon2_is_the_configured_hasher checks the real setting."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """``with sent(): ...`` runs the block, then the e-mails it queued on commit
    (the test's transaction never commits, so they would wait forever)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
