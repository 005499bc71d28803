"""E-mail exactly once across a worker crash: the idempotency key travels
with the message and the receiving side (the file backend, Resend) drops a
message it has already accepted."""

from __future__ import annotations

import email
import os
import threading

import pytest

from core.mail import IDEMPOTENCY_HEADER, FileAndConsoleEmailBackend, ResendEmailBackend, deliver, render_message
from core.models import SentEmail

KWARGS = {"template": "tests/test_ping", "to": ["ping@example.com"], "context": {"word": "pong"}, "locale": "en"}


@pytest.fixture
def mail_dir(settings, tmp_path):
    settings.EMAIL_BACKEND = "core.mail.FileAndConsoleEmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


def messages(directory) -> list[email.message.Message]:
    return [email.message_from_bytes(p.read_bytes()) for p in sorted(directory.glob("*.eml"))]


def keyed_message(key: str):
    message = render_message(template="tests/test_ping", to=["a@example.com"], context={"word": key}, locale="en")
    message.extra_headers[IDEMPOTENCY_HEADER] = key
    return message


@pytest.mark.django_db
def test_a_redelivery_after_the_send_and_before_the_record_writes_nothing(mail_dir):
    assert deliver(**KWARGS, key="k1") is True
    # The worker died after the provider accepted the message, before the
    # SentEmail row was written: the redelivered task sends it again.
    SentEmail.objects.filter(key="k1").delete()
    assert deliver(**KWARGS, key="k1") is True
    (only,) = messages(mail_dir)
    assert only[IDEMPOTENCY_HEADER] == "k1"
    assert only["Message-ID"].startswith("<") and "pong" in only.get_payload(0).get_payload()
    assert SentEmail.objects.filter(key="k1").exists()


@pytest.mark.django_db
def test_different_keys_are_different_messages(mail_dir):
    deliver(**KWARGS, key="k1")
    deliver(**KWARGS, key="k2")
    assert sorted(m[IDEMPOTENCY_HEADER] for m in messages(mail_dir)) == ["k1", "k2"]


def test_messages_without_a_key_are_all_written(mail_dir):
    backend = FileAndConsoleEmailBackend()
    plain = [render_message(template="tests/test_ping", to=["a@example.com"], context={"word": "x"}, locale="en")] * 2
    assert backend.send_messages(plain) == 2
    assert len(messages(mail_dir)) == 2


def test_a_crash_right_after_the_file_is_written(mail_dir, monkeypatch):
    backend = FileAndConsoleEmailBackend()
    real_link = os.link

    def link_then_die(src, dst):
        real_link(src, dst)
        if dst.endswith(".eml"):
            raise SystemExit("SIGKILL")  # stands for the kill: nothing after this runs

    monkeypatch.setattr(os, "link", link_then_die)
    with pytest.raises(SystemExit):
        backend.send_messages([keyed_message("k1")])
    monkeypatch.setattr(os, "link", real_link)
    assert backend.send_messages([keyed_message("k1")]) == 1  # accepted, as the provider would answer
    assert len(messages(mail_dir)) == 1


def test_a_crash_after_claiming_the_key_before_any_file_is_visible(mail_dir, monkeypatch):
    backend = FileAndConsoleEmailBackend()
    real_link = os.link

    def claim_only(src, dst):
        if dst.endswith(".eml"):
            raise SystemExit("SIGKILL")
        real_link(src, dst)

    monkeypatch.setattr(os, "link", claim_only)
    with pytest.raises(SystemExit):
        backend.send_messages([keyed_message("k1")])
    assert messages(mail_dir) == []
    monkeypatch.setattr(os, "link", real_link)
    backend.send_messages([keyed_message("k1")])
    assert [m[IDEMPOTENCY_HEADER] for m in messages(mail_dir)] == ["k1"]  # published by the retry, once


def test_concurrent_sends_of_one_key_write_one_file(mail_dir):
    barrier = threading.Barrier(8)

    def send():
        backend = FileAndConsoleEmailBackend()
        barrier.wait()
        backend.send_messages([keyed_message("k1")])

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(messages(mail_dir)) == 1
    assert not [p for p in mail_dir.iterdir() if p.name.startswith(".tmp-")]


def test_resend_gets_the_key_as_its_idempotency_key_request_header():
    backend = ResendEmailBackend(api_key="re_test")
    message = keyed_message("k1")
    message.extra_headers["Message-ID"] = "<abc@walks.localhost>"
    payload = backend.build_message_payload(message, backend.send_defaults)
    params = payload.get_request_params(backend.api_url)
    assert params["headers"]["Idempotency-Key"] == "k1"
    body = payload.data
    assert IDEMPOTENCY_HEADER not in body.get("headers", {})
    assert body["headers"]["Message-ID"] == "<abc@walks.localhost>"


@pytest.mark.parametrize(("idempotent", "files"), [("1", 1), ("0", 2)])
def test_the_fault_runs_backend_can_play_either_kind_of_provider(mail_dir, monkeypatch, idempotent, files):
    from bench.mailbackend import SlowFileBackend

    monkeypatch.setenv("BENCH_MAIL_SEND_DELAY", "0")
    monkeypatch.setenv("BENCH_MAIL_IDEMPOTENT", idempotent)
    for _ in range(2):
        SlowFileBackend().send_messages([keyed_message("k1")])
    assert len(messages(mail_dir)) == files
