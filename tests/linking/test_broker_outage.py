"""Linking while the Celery broker is down: the e-mails about a link are
notices (core.mail.send_notice), so the link is made and the answer is a
success; before, the confirmation answered "could not send the e-mail" after
the accounts were linked, and the retry answered "link already used"."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from core import broker
from core.tasks import send_email
from linking.models import LinkSecret, LinkStatus
from tests.conftest import jwt_client_for, session_client_for

from .helpers import offer

# Real commits: the mail is queued by transaction.on_commit inside the request,
# as in production, so a refused mail would reach the response.
pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = "/api/v1/linked-accounts"
MINE = "/api/v1/user/linked-accounts"


@pytest.fixture
def broker_down(monkeypatch):
    broker.reset()
    celery_app.conf.task_always_eager = False  # conftest's _eager_celery restores it
    attempts = []

    def apply_async(*args, **kwargs):
        attempts.append(kwargs)
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(send_email, "apply_async", apply_async)
    yield attempts
    broker.reset()


def assert_linked(a, b):
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.group_uuid == b.group_uuid is not None
    assert LinkSecret.objects.get().status == LinkStatus.FIN


@pytest.mark.parametrize("make_client", [jwt_client_for, session_client_for], ids=["jwt", "session"])
def test_api_confirm_succeeds_and_links_while_the_broker_is_down(a, b, broker_down, make_client, caplog):
    created = offer(a, b)  # made before the outage
    caplog.set_level(logging.WARNING, logger="core.mail")

    response = make_client(b).post(PUBLIC, {"secret": created.secret}, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["linkStatus"] == "fin"
    assert_linked(a, b)
    assert broker_down  # the notices were tried, and refused
    assert any("not queued" in r.getMessage() for r in caplog.records if r.name == "core.mail")


def test_page_confirm_succeeds_and_links_while_the_broker_is_down(a, b, broker_down):
    created = offer(a, b)
    browser = Client()
    browser.force_login(b)
    browser.get(f"/link/?secret={created.secret}")
    assert browser.get("/link/").status_code == 200

    done = browser.post("/link/", {"action": "accept"})

    assert done.status_code == 302 and done["Location"] == "/", done.content
    assert_linked(a, b)
    assert "Account alice is now linked to yours" in browser.get("/").content.decode()


def test_an_offer_is_made_while_the_broker_is_down(a, b, broker_down):
    response = session_client_for(a).post(MINE, {"email": b.email}, format="json")

    assert response.status_code == 201, response.content
    assert LinkSecret.objects.get().status == LinkStatus.SYN
