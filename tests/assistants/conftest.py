import pytest

from .factories import register_client


@pytest.fixture
def oauth_app(db):
    return register_client()
