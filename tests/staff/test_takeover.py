"""The staff bot cannot take over accounts (issue 12, finding 1).

The probe's reproduction: ``POST /staff/{id}/deactivate`` then
``POST /staff/{id}/user`` with the bot's token handed the bot a fresh code for
an account that had been activated; the bot chose the password and reached
``/admin/`` with the account's rights.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from accounts.models import User
from staff.models import Staff, StaffState
from staff.services import staff_activate, staff_create, staff_deactivate, staff_user_issue
from tests.conftest import admin_login

PASSWORD = "river-stone-lantern-42"
CODE_RE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}\b")


@pytest.fixture
def active(erp_position, bot_token):
    """An employee the bot onboarded, who activated their account."""
    token, _secret = bot_token
    staff, issued = staff_create(
        full_name="Anna Petrova",
        email="anna.petrova@example.com",
        phone="+79991234567",
        position=erp_position,
        create_user=True,
        created_by_token=token,
    )
    staff_activate(email=staff.email, activation_code=issued.code, password=PASSWORD, ip="198.51.100.1")
    return Staff.objects.select_related("user").get(pk=staff.pk)


def _mails_to(mailoutbox, email):
    return [m for m in mailoutbox if email in m.to]


def test_the_bot_gets_no_code_for_an_account_that_was_activated(
    bot_client, active, mailoutbox, django_capture_on_commit_callbacks
):
    """Deactivate, then re-issue: the code goes to the employee's mailbox, never to the bot."""
    with django_capture_on_commit_callbacks(execute=True):
        assert bot_client.post(f"/api/v1/staff/{active.pk}/deactivate").status_code == 200
        response = bot_client.post(f"/api/v1/staff/{active.pk}/user")
    assert response.status_code == 202, response.content
    body = response.json()
    assert "activation_code" not in body and body["activation_code_sent_to"] == "email"
    assert body["state"] == StaffState.PENDING
    assert not CODE_RE.search(response.content.decode())
    assert [m.subject for m in _mails_to(mailoutbox, active.email)] == [
        "Your Walks account was deactivated",
        "Your Walks account: a new activation code",
    ]
    codes = [CODE_RE.search(m.body).group(0) for m in _mails_to(mailoutbox, active.email) if CODE_RE.search(m.body)]
    assert len(codes) == 1
    assert codes[0] not in mailoutbox[-1].subject
    # The employee (who reads the mail) activates with it; the bot never could.
    user = staff_activate(email=active.email, activation_code=codes[0], password="a-new-pass-77x", ip="192.0.2.3")
    assert user.is_active


def test_a_person_via_the_api_gets_no_code_either(manager, active, mailoutbox):
    from tests.conftest import jwt_client_for

    staff_deactivate(staff=active)
    response = jwt_client_for(manager).post(f"/api/v1/staff/{active.pk}/user")
    assert response.status_code == 202 and "activation_code" not in response.json()


def test_a_never_activated_account_still_gets_its_code_in_the_reply(bot_client, erp_position):
    staff, _issued = staff_create(
        full_name="Boris Ivanov",
        email="boris@example.com",
        phone="+79990000000",
        position=erp_position,
        create_user=True,
    )
    response = bot_client.post(f"/api/v1/staff/{staff.pk}/user")
    assert response.status_code == 200 and CODE_RE.fullmatch(response.json()["activation_code"])


@pytest.mark.parametrize(
    "grant",
    [
        lambda u: setattr(u, "is_staff", True) or u.save(),
        lambda u: setattr(u, "is_superuser", True) or u.save(),
        lambda u: u.groups.add(Group.objects.create(name="editors")),
        lambda u: u.user_permissions.add(Permission.objects.get(codename="change_title")),
    ],
    ids=["staff", "superuser", "group", "permission"],
)
def test_the_bot_may_not_deactivate_or_reissue_a_privileged_account(
    bot_client, active, grant, mailoutbox, django_capture_on_commit_callbacks
):
    grant(active.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = bot_client.post(f"/api/v1/staff/{active.pk}/deactivate")
    assert response.status_code == 403 and response.json()["code"] == "privileged_account"
    assert User.objects.get(pk=active.user_id).is_active
    User.objects.filter(pk=active.user_id).update(is_active=False)
    response = bot_client.post(f"/api/v1/staff/{active.pk}/user")
    assert response.status_code == 403 and response.json()["code"] == "privileged_account"
    assert not _mails_to(mailoutbox, active.email)


def test_the_takeover_of_an_admin_fails_end_to_end(bot_client, active, mailoutbox):
    """The probe's full chain: the bot tries to set the admin's password and sign in to /admin/."""
    User.objects.filter(pk=active.user_id).update(is_staff=True, is_superuser=True)
    assert bot_client.post(f"/api/v1/staff/{active.pk}/deactivate").status_code == 403
    assert bot_client.post(f"/api/v1/staff/{active.pk}/user").status_code in (403, 409)
    browser = Client()
    response = browser.post(
        "/admin/login/", {"username": active.email, "password": "bot-chosen-pass-1", "next": "/admin/"}
    )
    assert response.status_code == 200 and "_auth_user_id" not in browser.session
    assert User.objects.get(pk=active.user_id).check_password(PASSWORD)


def test_the_employee_is_mailed_when_deactivated(bot_client, active, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert bot_client.post(f"/api/v1/staff/{active.pk}/deactivate").status_code == 200
    mails = _mails_to(mailoutbox, active.email)
    assert len(mails) == 1 and "deactivated" in mails[0].subject.lower()


def test_a_superuser_in_the_admin_may_reissue_and_sees_the_code(active):
    admin = User.objects.create_superuser("root@example.com", "root-password-123")
    User.objects.filter(pk=active.user_id).update(is_staff=True)
    staff_deactivate(staff=active, by_user=admin)
    _staff, issued, created = staff_user_issue(staff=active, by_user=admin, reveal_to_admin=True)
    assert not created and CODE_RE.fullmatch(issued.code)


def test_the_admin_action_shows_the_code_of_an_activated_account(active):
    admin = User.objects.create_superuser("root@example.com", "root-password-123")
    client = Client()
    admin_login(client, admin)
    staff_deactivate(staff=active, by_user=admin)
    response = client.post(
        "/admin/staff/staff/", {"action": "issue_activation", "_selected_action": [active.pk]}, follow=True
    )
    assert len(CODE_RE.findall(response.content.decode())) == 1
