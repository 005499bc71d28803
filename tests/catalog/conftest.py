from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from PIL import Image

from catalog.permissions import CURATORS_GROUP
from tests.conftest import jwt_client_for, session_client_for
from tests.factories import UserFactory


@pytest.fixture
def curator(db):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=CURATORS_GROUP))
    return user


@pytest.fixture(params=["jwt", "session"])
def curator_client(request, curator):
    client = jwt_client_for(curator) if request.param == "jwt" else session_client_for(curator)
    client.user = curator
    return client


def image_bytes(fmt: str = "PNG", size=(900, 1350), color=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()
