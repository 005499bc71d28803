from __future__ import annotations

import pytest
from django.test import Client

from linking import services
from tests.conftest import admin_login
from tests.factories import UserFactory

from .helpers import link, offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_():
    client = Client()
    admin_login(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_link_offers_are_read_only_and_never_show_the_secret(admin_client_):
    a, b = UserFactory(), UserFactory()
    created = offer(a, b)
    listing = admin_client_.get("/admin/linking/linksecret/")
    assert listing.status_code == 200 and b.email in listing.content.decode()
    detail = admin_client_.get(f"/admin/linking/linksecret/{created.offer.pk}/change/")
    body = detail.content.decode()
    assert detail.status_code == 200
    assert created.offer.secret_hash not in body and created.secret not in body
    assert 'name="status"' not in body  # nothing to edit
    assert admin_client_.get("/admin/linking/linksecret/add/").status_code == 403
    assert (
        admin_client_.post(f"/admin/linking/linksecret/{created.offer.pk}/delete/", {"post": "yes"}).status_code == 403
    )


def test_switch_log_is_listed(admin_client_):
    a, b = UserFactory(), UserFactory()
    link(a, b)
    services.account_switch(user=a, target_id=b.pk, ip="192.0.2.1")
    listing = admin_client_.get("/admin/linking/accountswitch/")
    assert listing.status_code == 200
    assert "192.0.2.1" in listing.content.decode() and a.email in listing.content.decode()
    assert admin_client_.get("/admin/linking/accountswitch/add/").status_code == 403
