"""The ChatGPT init quota: successful sends and not-found lookups are counted
apart, lookups per ChatGPT user, so one person probing addresses neither gets
far nor switches the action off for everyone (issue 12, finding 12)."""

from __future__ import annotations

import pytest

from core import ratelimit
from tests.factories import UserFactory

INIT = "/api/v1/gpt/profile/init"


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    def call(client, body, chatgpt_user=None, conversation=None):
        extra = {}
        if chatgpt_user:
            extra["HTTP_OPENAI_EPHEMERAL_USER_ID"] = chatgpt_user
        if conversation:
            extra["HTTP_OPENAI_CONVERSATION_ID"] = conversation
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(INIT, body, format="json", **extra)

    return call


def test_a_prober_is_stopped_and_everyone_else_keeps_the_action(gpt_client, post, mailoutbox):
    misses = ratelimit.limit("gpt-init-miss-caller").limit
    codes = [
        post(gpt_client, {"email": f"guess{i}@example.com"}, chatgpt_user="prober").status_code
        for i in range(misses + 5)
    ]
    assert codes == [404] * misses + [429] * 5  # the 404 contract holds until the caller's bound
    # The prober's next lookup is refused whether or not the account exists (no oracle).
    real = UserFactory()
    assert post(gpt_client, {"email": real.email}, chatgpt_user="prober").status_code == 429
    # Another ChatGPT user of the same action is unaffected, for sends and for misses.
    assert post(gpt_client, {"email": real.email}, chatgpt_user="someone").status_code == 200
    assert post(gpt_client, {"email": "nobody@example.com"}, chatgpt_user="someone").status_code == 404
    assert len(mailoutbox) == 1


def test_misses_do_not_use_the_tokens_send_quota(gpt_client, post, settings, mailoutbox):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "gpt-init-token": (2, 3600)}
    for i in range(5):
        assert post(gpt_client, {"email": f"nobody{i}@example.com"}, chatgpt_user=f"u{i}").status_code == 404
    assert post(gpt_client, {"email": UserFactory().email}, chatgpt_user="a").status_code == 200
    assert post(gpt_client, {"email": UserFactory().email}, chatgpt_user="b").status_code == 200
    assert post(gpt_client, {"email": UserFactory().email}, chatgpt_user="c").status_code == 429
    assert len(mailoutbox) == 2


def test_without_chatgpt_headers_the_conversation_or_the_token_is_the_caller(gpt_client, post):
    misses = ratelimit.limit("gpt-init-miss-caller").limit
    for i in range(misses):
        post(gpt_client, {"email": f"x{i}@example.com"}, conversation="conv-1")
    assert post(gpt_client, {"email": "y@example.com"}, conversation="conv-1").status_code == 429
    assert post(gpt_client, {"email": "y@example.com"}, conversation="conv-2").status_code == 404
    for i in range(misses):
        post(gpt_client, {"email": f"z{i}@example.com"})
    assert post(gpt_client, {"email": "y@example.com"}).status_code == 429
