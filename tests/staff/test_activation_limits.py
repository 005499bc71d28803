"""Activation gives one answer whatever the account's state, and wrong
guesses are limited per e-mail and per IP, so an outsider cannot kill
someone's pending code (issue 12, finding 11)."""

from __future__ import annotations

import pytest

from core import ratelimit
from core.errors import Invalid, RateLimited
from staff.models import ActivationCode
from staff.services import staff_activate, staff_create

PASSWORD = "river-stone-lantern-42"
OUTSIDER = "203.0.113.66"
EMPLOYEE = "198.51.100.10"


def _wrong(code: str) -> str:
    return "ABCD-EFGH-JK" if code != "ABCD-EFGH-JK" else "ABCD-EFGH-JM"


@pytest.fixture
def pending(erp_position):
    staff, issued = staff_create(
        full_name="Anna Petrova",
        email="anna@example.com",
        phone="+79991234567",
        position=erp_position,
        create_user=True,
    )
    return staff, issued.code


def _try(email, code, ip):
    try:
        staff_activate(email=email, activation_code=code, password=PASSWORD, ip=ip)
    except (Invalid, RateLimited) as exc:
        return exc
    return None


def test_an_outsiders_wrong_guesses_do_not_kill_the_pending_code(pending):
    staff, code = pending
    limit = ratelimit.limit("staff-activate-pair").limit
    outcomes = [_try(staff.email, _wrong(code), OUTSIDER).code for _ in range(limit + 3)]
    assert outcomes == ["invalid_code"] * limit + ["rate_limited"] * 3
    # The employee, from their own address, still activates with their code.
    assert _try(staff.email, code, EMPLOYEE) is None
    staff.user.refresh_from_db()
    assert staff.user.is_active


def test_one_answer_whatever_the_state(pending, erp_position):
    staff, code = pending
    active, issued = staff_create(
        full_name="Boris Ivanov",
        email="boris@example.com",
        phone="+79990000000",
        position=erp_position,
        create_user=True,
    )
    staff_activate(email=active.email, activation_code=issued.code, password=PASSWORD, ip=EMPLOYEE)
    answers = {
        state: _try(email, _wrong(code), f"192.0.2.{i}").as_payload()
        for i, (state, email) in enumerate(
            [("pending", staff.email), ("active", active.email), ("unknown", "nobody@example.com")]
        )
    }
    assert answers["pending"] == answers["active"] == answers["unknown"]
    assert "left" not in answers["pending"]["detail"]


def test_wrong_tries_for_one_email_are_limited_from_every_address(pending):
    staff, code = pending
    limit = ratelimit.limit("staff-activate-address").limit
    for i in range(limit):
        assert _try(staff.email, _wrong(code), f"203.0.113.{i}").code == "invalid_code"
    assert _try(staff.email, code, EMPLOYEE).code == "rate_limited"
    # A window later (the limit reset), the code is alive: nobody could kill it.
    ratelimit.reset("staff-activate-address", staff.email)
    assert _try(staff.email, code, EMPLOYEE) is None
    assert ActivationCode.objects.get(user=staff.user).attempts == limit  # recorded, for the admin


def test_the_limits_are_in_the_table(settings):
    assert settings.RATE_LIMITS["staff-activate-pair"][0] <= 5
    assert settings.RATE_LIMITS["staff-activate-address"][0] <= 20
