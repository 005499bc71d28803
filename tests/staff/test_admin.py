from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import User
from staff.models import ActivationCode, Staff
from staff.services import staff_activate, staff_create
from tests.conftest import admin_login
from tests.factories import UserFactory

from .factories import PositionFactory, StaffFactory

CHANGELIST = "/admin/staff/staff/"
CODE_RE = re.compile(r"\b[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{2}\b")


@pytest.fixture
def admin_client(db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    admin_login(client, admin)
    client.user = admin
    return client


def with_user(position, email="pending@example.com", name="Pending Person"):
    staff, issued = staff_create(full_name=name, email=email, phone="+79990000000", position=position, create_user=True)
    return staff, issued


def test_changelist_shows_each_state(admin_client, erp_position, plain_position):
    StaffFactory(full_name="Nobody Yet", position=plain_position)
    with_user(erp_position)
    active, issued = with_user(erp_position, email="active@example.com", name="Active Person")
    staff_activate(email="active@example.com", activation_code=issued.code, password="river-stone-42x", ip="1.1.1.1")
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("No user", "Waiting for activation", "Active"):
        assert label in html
    assert "staff-state--no_user" in html and "staff-state--pending" in html and "staff-state--active" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=pending", {"Pending Person"}),
        ("state=no_user", {"Nobody Yet"}),
        ("erp_access=0", {"Nobody Yet"}),
        ("erp_access=1", {"Pending Person"}),
        ("q=nobody", {"Nobody Yet"}),
        ("q=pending%40example", {"Pending Person"}),
    ],
)
def test_changelist_filters_and_search(admin_client, erp_position, plain_position, query, expected):
    StaffFactory(full_name="Nobody Yet", position=plain_position)
    with_user(erp_position)
    html = admin_client.get(f"{CHANGELIST}?{query}").content.decode()
    shown = {name for name in ("Nobody Yet", "Pending Person") if f">{name}<" in html}
    assert shown == expected


def test_changelist_filters_by_position(admin_client, erp_position, plain_position):
    StaffFactory(full_name="Nobody Yet", position=plain_position)
    with_user(erp_position)
    html = admin_client.get(f"{CHANGELIST}?position__id__exact={plain_position.pk}").content.decode()
    assert ">Nobody Yet<" in html and ">Pending Person<" not in html


@pytest.mark.parametrize("size", [2, 12])
def test_changelist_runs_a_constant_number_of_queries(admin_client, django_assert_max_num_queries, size):
    for i in range(size):
        staff_create(
            full_name=f"Person {i}",
            email=f"p{i}@example.com",
            phone=f"+7999000{i:04d}",
            position=PositionFactory(),
            create_user=i % 2 == 0,
        )
    # session, user, count x2 (filtered and total), the page, position filter choices, date hierarchy
    with django_assert_max_num_queries(10):
        response = admin_client.get(CHANGELIST)
    assert response.status_code == 200


def test_action_creates_the_user_and_shows_the_code_once(admin_client, erp_position):
    staff = StaffFactory(full_name="Anna Petrova", position=erp_position)
    response = admin_client.post(
        CHANGELIST, {"action": "issue_activation", "_selected_action": [staff.pk]}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    found = CODE_RE.findall(html)
    assert len(found) == 1, html
    code = found[0]
    staff.refresh_from_db()
    assert staff.user and not staff.user.is_active
    assert not ActivationCode.objects.filter(code_hash__contains=code.replace("-", "")).exists()
    # Shown once: the next page does not carry it.
    assert code not in admin_client.get(CHANGELIST).content.decode()
    user = staff_activate(email=staff.email, activation_code=code, password="river-stone-42x", ip="1.1.1.1")
    assert user.is_active


def test_action_again_issues_a_new_code_and_reports_refusals(admin_client, erp_position, plain_position):
    pending, first = with_user(erp_position)
    no_access = StaffFactory(full_name="Courier Person", position=plain_position)
    response = admin_client.post(
        CHANGELIST, {"action": "issue_activation", "_selected_action": [pending.pk, no_access.pk]}, follow=True
    )
    html = response.content.decode()
    codes = CODE_RE.findall(html)
    assert len(codes) == 1 and codes[0] != first.code
    assert "Courier Person" in html and "no access to the web application" in html
    assert not User.objects.filter(email=no_access.email).exists()


def test_deactivate_action(admin_client, erp_position):
    staff, issued = with_user(erp_position)
    staff_activate(email=staff.email, activation_code=issued.code, password="river-stone-42x", ip="1.1.1.1")
    browser = Client()
    browser.force_login(User.objects.get(pk=staff.user_id))
    admin_client.post(CHANGELIST, {"action": "deactivate_users", "_selected_action": [staff.pk]})
    assert not User.objects.get(pk=staff.user_id).is_active
    assert not browser.get("/activate/").wsgi_request.user.is_authenticated


def test_add_form_normalises_and_records_the_admin(admin_client, erp_position):
    response = admin_client.post(
        "/admin/staff/staff/add/",
        {
            "full_name": " Anna   Petrova ",
            "email": "Anna@Example.com",
            "phone": "+7 (999) 123-45-67",
            "position": erp_position.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    staff = Staff.objects.get()
    assert (staff.full_name, staff.email, staff.phone) == ("Anna Petrova", "anna@example.com", "+79991234567")
    assert staff.created_by_user == admin_client.user and staff.user is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phone": "8 999 123 45 67"}, "international format"),
        ({"email": "taken@example.com"}, "already used by another account"),
        ({"email": "staff@example.com"}, "staff member with this e-mail already exists"),
        ({"full_name": "   "}, "This field is required"),
    ],
)
def test_add_form_errors(admin_client, erp_position, fields, message):
    UserFactory(email="taken@example.com")
    StaffFactory(email="staff@example.com", position=erp_position)
    data = {"full_name": "Anna", "email": "anna@example.com", "phone": "+79991234567", "position": erp_position.pk}
    response = admin_client.post("/admin/staff/staff/add/", data | fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Staff.objects.count() == 1


def test_change_form_locks_the_email_once_the_user_exists(admin_client, erp_position):
    staff, _ = with_user(erp_position)
    html = admin_client.get(f"/admin/staff/staff/{staff.pk}/change/").content.decode()
    assert 'name="email"' not in html and "pending@example.com" in html
    assert "Waiting for activation" in html
    response = admin_client.post(
        f"/admin/staff/staff/{staff.pk}/change/",
        {"full_name": "Pending Renamed", "phone": "+7 999 555 44 33", "position": erp_position.pk},
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.full_name == "Pending Renamed" and staff.phone == "+79995554433"


def test_positions_admin_lists_and_searches(admin_client, erp_position, plain_position):
    StaffFactory(position=erp_position)
    html = admin_client.get("/admin/staff/position/?q=store").content.decode()
    assert "Store manager" in html and "Courier" not in html
    html = admin_client.get("/admin/staff/position/?has_erp_access__exact=0").content.decode()
    assert "Courier" in html and "Store manager" not in html
