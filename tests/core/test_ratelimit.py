"""core.ratelimit's named API over the one table, settings.RATE_LIMITS."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from core import ratelimit
from core.errors import RateLimited


def test_the_table_keeps_the_numbers_of_every_limited_place():
    expected = {
        "image-upload-user": (20, 600),
        "signin-account": (5, 300),
        "signin-ip": (10, 60),
        "code-send-ip": (30, 3600),
        "code-send-address": (10, 3600),
        "gpt-init-token": (120, 3600),
        "gpt-init-user": (3, 900),
        "gpt-init-miss-caller": (10, 3600),
        "gpt-edit-ip": (60, 600),
        "link-offer-user": (10, 3600),
        "link-offer-ip": (30, 3600),
        "link-offer-pair": (5, 86400),
        "link-secret-user": (20, 600),
        "staff-activate-ip": (30, 3600),
        "staff-activate-pair": (5, 3600),
        "staff-activate-address": (20, 3600),
        "error-mail-site": (django_settings.ERROR_MAIL_MAX_PER_HOUR, 3600),
        "provider-search": (30, 60),
        "provider-add-user": (30, 3600),
        "mfa-user": (5, 900),
        "mfa-ip": (20, 900),
    }
    assert {name: django_settings.RATE_LIMITS.get(name) for name in expected} == expected


def test_check_counts_and_refuses_over_the_limit(settings):
    settings.RATE_LIMITS = {"test-ip": (2, 60)}
    ratelimit.check("test-ip", "198.51.100.1")
    ratelimit.check("test-ip", "198.51.100.1")
    with pytest.raises(RateLimited) as exc:
        ratelimit.check("test-ip", "198.51.100.1")
    assert 0 < int(exc.value.headers["Retry-After"]) <= 60
    ratelimit.check("test-ip", "198.51.100.2")  # another key has its own count


def test_guard_does_not_count_and_hit_does(settings):
    settings.RATE_LIMITS = {"test-fail": (2, 60)}
    for _ in range(5):
        ratelimit.guard("test-fail", "k")
    assert ratelimit.hit("test-fail", "k") == 1
    assert ratelimit.hit("test-fail", "k") == 2
    assert ratelimit.is_exceeded("test-fail", "k")
    with pytest.raises(RateLimited):
        ratelimit.guard("test-fail", "k")
    ratelimit.reset("test-fail", "k")
    ratelimit.guard("test-fail", "k")


def test_the_table_is_read_at_call_time(settings):
    settings.RATE_LIMITS = {"test": (1, 60)}
    assert ratelimit.limit("test") == ratelimit.Limit("test", 1, 60)
    settings.RATE_LIMITS = {"test": (7, 30)}
    assert (ratelimit.limit("test").limit, ratelimit.limit("test").window) == (7, 30)


def test_an_unknown_name_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        ratelimit.check("no-such-limit", "k")
