"""No secret in any log: every flow that issues a code, a link or a token is
run with every logger captured at DEBUG (and the console, where the embedded
mail backend announces each message), and none of what it issued shows up."""

from __future__ import annotations

import email
import logging
import re

import pytest
from rest_framework.test import APIClient

from accounts.service_tokens import service_token_create
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
CODE = re.compile(r"\b(\d{6})\b")
LINK_SECRET = re.compile(r"[?&](?:token|secret)=([A-Za-z0-9_\-]{20,})")


@pytest.fixture
def every_log(caplog):
    """caplog's handler on every logger, also those that do not propagate."""
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    for logger in loggers:
        logger.addHandler(caplog.handler)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for logger in loggers:
        logger.removeHandler(caplog.handler)


@pytest.fixture
def mail_files(settings, tmp_path):
    """The embedded default's mail backend: files, and a notice on the console."""
    settings.EMAIL_BACKEND = "core.mail.FileAndConsoleEmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")

    def bodies() -> list[str]:
        out = []
        for path in sorted((tmp_path / "mail").glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes())
            out.append(
                " ".join(
                    part.get_payload(decode=True).decode()
                    for part in message.walk()
                    if part.get_content_maintype() == "text"
                )
            )
        return out

    return bodies


def test_no_flow_logs_the_codes_links_or_tokens_it_issues(
    every_log, mail_files, capsys, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issued = _run_flows()
    mails = mail_files()
    assert len(mails) == 4
    codes = {match for body in mails for match in CODE.findall(body)}
    links = {match for body in mails for match in LINK_SECRET.findall(body)}
    assert len(codes) == 2 and len(links) == 1  # what the flows issued, read from the mails
    issued |= codes | links

    console = capsys.readouterr()
    logged = every_log.text + console.out + console.err
    assert "[mail] to" in console.err  # the console did announce the mails
    leaked = sorted(value for value in issued if value in logged)
    assert leaked == [], f"secrets in the logs: {leaked}"


def _run_flows() -> set[str]:
    api = APIClient()
    person = UserFactory(email="walker@example.com", password=DEFAULT_PASSWORD)
    other = UserFactory(email="other@example.com")

    assert api.post(f"{API}/auth/email/validate", {"email": "new@example.com"}, format="json").status_code == 202
    assert api.post(f"{API}/auth/password/restore", {"email": person.email}, format="json").status_code == 202
    _token, secret = service_token_create(name="ChatGPT", scopes=["gpt"])
    gpt = APIClient()
    gpt.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert gpt.post(f"{API}/gpt/profile/init", {"email": person.email}, format="json").status_code == 200
    pair = api.post(f"{API}/auth/token", {"email": person.email, "password": DEFAULT_PASSWORD}, format="json").json()
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    offer = signed_in.post(f"{API}/user/linked-accounts", {"email": other.email}, format="json")
    assert offer.status_code == 201
    link_secrets = set(LINK_SECRET.findall(offer.content.decode()))  # A passes the link on themselves
    assert len(link_secrets) == 1
    refreshed = api.post(f"{API}/auth/token/update", {"refresh_token": pair["refresh"]}, format="json").json()
    return {secret, pair["access"], pair["refresh"], refreshed["access"], refreshed["refresh"], *link_secrets}
