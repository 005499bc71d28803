from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.services import token_pair_issue, user_end_sessions
from core import ratelimit
from core.errors import Conflict, Forbidden, Gone, Invalid, RateLimited
from staff.codes import code_normalize
from staff.models import ActivationCode, Staff, StaffState
from staff.services import (
    staff_activate,
    staff_create,
    staff_deactivate,
    staff_update,
    staff_user_issue,
)
from tests.factories import UserFactory

from .factories import StaffFactory

IP = "198.51.100.7"
PASSWORD = "river-stone-lantern-42"


def create(position, **overrides):
    fields = {
        "full_name": "Anna  Petrova ",
        "email": " Anna.Petrova@Example.com",
        "phone": "+7 (999) 123-45-67",
        "position": position,
        "create_user": False,
    }
    fields.update(overrides)
    return staff_create(**fields)


def activate(email="anna.petrova@example.com", code="", password=PASSWORD, ip=IP, **kwargs):
    return staff_activate(email=email, activation_code=code, password=password, ip=ip, **kwargs)


# --- Creating staff -------------------------------------------------------------------------------


def test_create_normalises_and_creates_no_user_by_default(erp_position, bot_token):
    token, _secret = bot_token
    staff, issued = create(erp_position, created_by_token=token)
    assert issued is None
    staff.refresh_from_db()
    assert (staff.full_name, staff.email, staff.phone) == ("Anna Petrova", "anna.petrova@example.com", "+79991234567")
    assert staff.user is None and staff.state == StaffState.NO_USER
    assert staff.created_by == {"type": "service_token", "name": "staff-bot"}
    assert User.objects.count() == 0


def test_create_with_user_makes_an_inactive_user_and_a_hashed_seven_day_code(erp_position, manager):
    staff, issued = create(erp_position, create_user=True, created_by_user=manager)
    user = staff.user
    assert user.email == "anna.petrova@example.com"
    assert not user.is_active and not user.has_usable_password()
    assert staff.state == StaffState.PENDING
    assert staff.created_by == {"type": "user", "name": manager.email}
    row = ActivationCode.objects.get(user=user)
    compact = code_normalize(issued.code)
    assert compact and compact not in row.code_hash and issued.code not in row.code_hash
    assert len(row.code_hash) == 64
    assert abs((row.expires_at - timezone.now()) - timedelta(days=7)) < timedelta(minutes=1)
    assert issued.expires_at == row.expires_at


def test_create_user_without_erp_access_is_refused_and_creates_nothing(plain_position):
    with pytest.raises(Forbidden) as exc:
        create(plain_position, create_user=True)
    assert exc.value.code == "no_erp_access"
    assert Staff.objects.count() == 0 and User.objects.count() == 0 and ActivationCode.objects.count() == 0


def test_a_position_without_access_can_still_hold_staff_without_a_user(plain_position):
    staff, issued = create(plain_position)
    assert issued is None and staff.pk


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("full_name", "   "),
        ("full_name", "x" * 201),
        ("email", "not-an-email"),
        ("email", ""),
        ("phone", "89991234567"),
        ("phone", "+7 999"),
        ("phone", "+0 999 123 45 67"),
        ("phone", "+7 999 123 45 67 ext 5"),
        ("phone", "+" + "1" * 16),
    ],
)
def test_bad_fields_are_refused_with_the_field_named(erp_position, field, value):
    with pytest.raises(Invalid) as exc:
        create(erp_position, create_user=True, **{field: value})
    assert field in exc.value.errors
    assert Staff.objects.count() == 0 and User.objects.count() == 0


@pytest.mark.parametrize("phone", ["+7 999 123-45-67", "+7(999)123.45.67", "0079991234567", "+79991234567"])
def test_phone_formats_people_use_are_normalised(erp_position, phone):
    staff, _ = create(erp_position, phone=phone)
    assert staff.phone == "+79991234567"


def test_unknown_position_is_refused(db):
    with pytest.raises(Invalid) as exc:
        create(999_999)
    assert exc.value.code == "unknown_position"


def test_an_email_of_another_staff_member_is_a_conflict(erp_position):
    create(erp_position)
    with pytest.raises(Conflict) as exc:
        create(erp_position, email="ANNA.PETROVA@example.com", create_user=True)
    assert exc.value.code == "staff_exists"
    assert Staff.objects.count() == 1 and User.objects.count() == 0


def test_an_email_of_an_existing_account_is_a_conflict(erp_position):
    UserFactory(email="anna.petrova@example.com")
    for create_user in (True, False):
        with pytest.raises(Conflict) as exc:
            create(erp_position, create_user=create_user)
        assert exc.value.code == "email_taken"
    assert Staff.objects.count() == 0


def test_a_failure_after_the_staff_row_rolls_everything_back(erp_position, monkeypatch):
    def broken():
        raise RuntimeError("random source failed")

    monkeypatch.setattr("staff.services.code_new", broken)
    with pytest.raises(RuntimeError):
        create(erp_position, create_user=True)
    assert Staff.objects.count() == 0 and User.objects.count() == 0


@pytest.mark.parametrize(("existing", "code"), [("staff", "staff_exists"), ("user", "email_taken")])
def test_a_concurrent_insert_after_the_check_is_a_conflict_not_a_500(erp_position, monkeypatch, existing, code):
    """Another request inserts the same e-mail between our check and our insert:
    the database's unique constraint answers, and nothing of ours remains."""
    if existing == "staff":
        StaffFactory(email="anna.petrova@example.com", position=erp_position)
    else:
        UserFactory(email="anna.petrova@example.com")
    monkeypatch.setattr(
        "staff.services.staff_clean",
        lambda **kw: {"full_name": "Anna Petrova", "email": "anna.petrova@example.com", "phone": "+79991234567"},
    )
    staff_before, users_before = Staff.objects.count(), User.objects.count()
    with pytest.raises(Conflict) as exc:
        create(erp_position, create_user=True)
    assert exc.value.code == code
    assert (Staff.objects.count(), User.objects.count()) == (staff_before, users_before)
    assert ActivationCode.objects.count() == 0


def test_update_keeps_the_email_once_the_user_exists(erp_position, plain_position):
    staff, _ = create(erp_position, create_user=True)
    staff = staff_update(
        staff=staff, full_name="Anna Sidorova", email=staff.email, phone="+7 999 000 00 00", position=plain_position
    )
    assert (staff.full_name, staff.phone, staff.position) == ("Anna Sidorova", "+79990000000", plain_position)
    with pytest.raises(Invalid) as exc:
        staff_update(staff=staff, full_name="A", email="other@example.com", phone="+79990000000", position=erp_position)
    assert exc.value.code == "email_locked"


# --- Users and codes later ----------------------------------------------------------------------------


def test_user_issue_creates_the_user_later(erp_position):
    staff, _ = create(erp_position)
    staff, issued, created = staff_user_issue(staff=staff)
    assert created and staff.user and not staff.user.is_active
    assert activate(code=issued.code).is_active


def test_a_new_code_retires_the_old_one(erp_position):
    staff, first = create(erp_position, create_user=True)
    _staff, second, created = staff_user_issue(staff=staff)
    assert not created and first.code != second.code
    assert ActivationCode.objects.filter(user=staff.user, retired_at__isnull=True).count() == 1
    with pytest.raises(Gone) as exc:
        activate(code=first.code)
    assert exc.value.code == "code_replaced"
    # The old code's try does not eat into the new code's tries.
    assert ActivationCode.objects.get(user=staff.user, retired_at__isnull=True).attempts == 0
    assert activate(code=second.code).is_active


def test_user_issue_refuses_without_erp_access_and_for_active_users(erp_position, plain_position):
    staff = StaffFactory(position=plain_position)
    with pytest.raises(Forbidden) as exc:
        staff_user_issue(staff=staff)
    assert exc.value.code == "no_erp_access" and User.objects.count() == 0

    staff, issued = create(erp_position, create_user=True)
    activate(code=issued.code)
    with pytest.raises(Conflict) as exc:
        staff_user_issue(staff=staff)
    assert exc.value.code == "already_active"


def test_a_deactivated_user_is_onboarded_again_with_a_new_code(erp_position):
    staff, issued = create(erp_position, create_user=True)
    activate(code=issued.code)
    staff_deactivate(staff=staff)
    staff.refresh_from_db()
    assert staff.state == StaffState.DEACTIVATED
    admin = User.objects.create_superuser("root@example.com", "root-password-123")
    # An account that was someone's: its code is shown only to a person in the admin (else e-mailed).
    staff, again, created = staff_user_issue(staff=staff, by_user=admin, reveal_to_admin=True)
    staff.refresh_from_db()
    assert not created and staff.state == StaffState.PENDING
    assert not staff.user.check_password(PASSWORD)
    user = activate(code=again.code, password="a-brand-new-password-9")
    assert user.is_active and user.check_password("a-brand-new-password-9")


# --- Activation ---------------------------------------------------------------------------------------


@pytest.fixture
def pending(erp_position):
    staff, issued = create(erp_position, create_user=True)
    return staff, issued.code


def test_activation_sets_the_password_and_uses_the_code(pending):
    staff, code = pending
    user = activate(code=code, locale="ru")
    user.refresh_from_db()
    assert user.is_active and user.check_password(PASSWORD) and user.locale == "ru"
    assert ActivationCode.objects.get(user=user).used_at is not None
    with pytest.raises(Gone) as exc:
        activate(code=code)
    assert exc.value.code == "code_used"


def test_activation_accepts_a_messy_code_and_email(pending):
    _staff, code = pending
    messy = "  " + code.lower().replace("-", " ") + " "
    assert activate(email=" ANNA.Petrova@example.com ", code=messy).is_active


def test_wrong_codes_are_recorded_but_do_not_kill_the_code(pending):
    staff, code = pending
    wrong = "ABCD-EFGH-JK" if code != "ABCD-EFGH-JK" else "ABCD-EFGH-JM"
    for attempt in range(1, 6):
        with pytest.raises(Invalid) as exc:
            activate(code=wrong, ip=f"203.0.113.{attempt}")
        assert exc.value.code == "invalid_code"
        assert ActivationCode.objects.get(user=staff.user).attempts == attempt
    assert activate(code=code).is_active  # tests/staff/test_activation_limits.py has the limits


def test_a_malformed_code_does_not_use_a_try(pending):
    staff, _code = pending
    with pytest.raises(Invalid) as exc:
        activate(code="12345")
    assert exc.value.code == "code_malformed"
    assert ActivationCode.objects.get(user=staff.user).attempts == 0


def test_an_expired_code_is_refused(pending):
    staff, code = pending
    ActivationCode.objects.filter(user=staff.user).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Gone) as exc:
        activate(code=code)
    assert exc.value.code == "code_expired"
    staff.user.refresh_from_db()
    assert not staff.user.is_active


def test_an_unknown_email_looks_like_a_wrong_code(pending):
    _staff, code = pending
    with pytest.raises(Invalid) as exc:
        activate(email="nobody@example.com", code=code)
    assert exc.value.code == "invalid_code"


def test_a_weak_password_is_refused_and_the_code_still_works(pending):
    staff, code = pending
    with pytest.raises(Invalid) as exc:
        activate(code=code, password="12345678")
    assert exc.value.code == "password_invalid" and exc.value.errors["password"]
    row = ActivationCode.objects.get(user=staff.user)
    assert row.used_at is None and row.attempts == 0
    staff.user.refresh_from_db()
    assert not staff.user.is_active
    assert activate(code=code).is_active


def test_a_password_over_the_one_maximum_is_refused_by_the_service(pending):
    staff, code = pending
    with pytest.raises(Invalid) as exc:
        activate(code=code, password="river-stone-" * 11)  # 132 > PASSWORD_MAX_LENGTH
    assert exc.value.code == "password_invalid" and exc.value.errors["password"]
    staff.user.refresh_from_db()
    assert not staff.user.is_active
    assert activate(code=code).is_active


def test_activation_stops_if_the_position_lost_its_access(pending):
    staff, code = pending
    staff.position.has_erp_access = False
    staff.position.save()
    with pytest.raises(Forbidden) as exc:
        activate(code=code)
    assert exc.value.code == "no_erp_access"


def test_failures_from_one_address_are_limited(pending):
    _staff, code = pending
    for i in range(ratelimit.limit("staff-activate-ip").limit):
        with pytest.raises(Invalid):
            activate(email=f"nobody{i}@example.com", code="ABCD-EFGH-JK")
    with pytest.raises(RateLimited):
        activate(code=code)  # even the right code, from this address
    assert activate(code=code, ip="203.0.113.9").is_active  # another address is not affected


# --- Deactivation --------------------------------------------------------------------------------------


def test_deactivation_ends_jwt_refresh_tokens_and_sessions(pending):
    staff, code = pending
    user = activate(code=code)
    pair = token_pair_issue(user=user)
    browser = Client()
    browser.force_login(user)
    bystander = UserFactory()
    other_browser = Client()
    other_browser.force_login(bystander)

    staff_deactivate(staff=staff)

    user.refresh_from_db()
    assert not user.is_active
    assert Staff.objects.get(pk=staff.pk).state == StaffState.DEACTIVATED
    with pytest.raises(TokenError):
        RefreshToken(pair["refresh"]).check_blacklist()
    assert not any(s.get_decoded().get("_auth_user_id") == str(user.pk) for s in Session.objects.all())
    assert any(s.get_decoded().get("_auth_user_id") == str(bystander.pk) for s in Session.objects.all())


def test_deactivation_retires_a_pending_code(pending):
    staff, code = pending
    staff_deactivate(staff=staff)
    assert Staff.objects.get(pk=staff.pk).state == StaffState.DEACTIVATED
    assert set(Staff.objects.in_state(StaffState.DEACTIVATED)) == {staff}
    assert not Staff.objects.in_state(StaffState.PENDING).exists()
    with pytest.raises(Gone) as exc:
        activate(code=code)
    assert exc.value.code == "code_replaced"


def test_deactivation_needs_a_user(erp_position):
    staff, _ = create(erp_position)
    with pytest.raises(Conflict) as exc:
        staff_deactivate(staff=staff)
    assert exc.value.code == "no_user"


def test_user_end_sessions_counts_only_that_users_sessions(db):
    person, other = UserFactory(), UserFactory()
    for who in (person, person, other):
        Client().force_login(who)
    assert user_end_sessions(user=person) == 2
    assert Session.objects.count() == 1


# --- Concurrency (PostgreSQL) ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_tries_are_all_counted(erp_position):
    """Each try locks the code row, so parallel guesses cannot share one try."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    staff, issued = create(erp_position, create_user=True)
    wrong = "ABCD-EFGH-JK" if issued.code != "ABCD-EFGH-JK" else "ABCD-EFGH-JM"

    def guess(i):
        try:
            activate(code=wrong, ip=f"203.0.113.{i}")
        except (Invalid, Gone) as exc:
            return exc.code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(guess, range(8)))
    assert outcomes.count("invalid_code") == 8
    assert ActivationCode.objects.get(user=staff.user).attempts == 8
