import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts.models import ServiceToken, User
from accounts.service_tokens import service_token_authenticate
from accounts.services import token_pair_issue
from tests.conftest import admin_login
from tests.factories import UserFactory


@pytest.fixture
def admin_client(db):
    admin = User.objects.create_superuser("root@example.com", "root-password-123")
    client = Client()
    admin_login(client, admin)
    return client


def test_unticking_active_in_the_admin_ends_sessions_and_refresh_tokens(admin_client):
    person = UserFactory()
    browser = Client()
    browser.force_login(person)
    token_pair_issue(user=person)
    assert Session.objects.count() == 2

    form = admin_client.get(f"/admin/accounts/user/{person.pk}/change/").context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in ("password", "groups", "user_permissions")
    }
    data.update({"email": person.email, "locale": "en", "joined_at_0": "2026-01-01", "joined_at_1": "10:00:00"})
    data.update(
        {
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "1",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-user": str(person.pk),
            "profile-0-username": person.profile.username,
            "profile-0-links": "[]",
        }
    )
    data.pop("is_active", None)  # an unticked checkbox is simply absent
    response = admin_client.post(f"/admin/accounts/user/{person.pk}/change/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    person.refresh_from_db()
    assert not person.is_active
    assert Session.objects.count() == 1  # only the admin's own session is left
    assert BlacklistedToken.objects.filter(token__user=person).count() == 1
    assert browser.get("/settings/").status_code == 302  # signed out


def test_service_token_created_in_the_admin_shows_its_secret_once(admin_client):
    response = admin_client.post("/admin/accounts/servicetoken/add/", {"name": "Bot", "scopes": ["staff"]}, follow=True)
    assert response.status_code == 200
    token = ServiceToken.objects.get(name="Bot")
    assert token.scopes == ["staff"]
    shown = [str(m) for m in response.context["messages"]]
    secret = next(m.split(": ")[-1] for m in shown if "wlk_" in m)
    assert service_token_authenticate(secret) == token
    assert secret not in admin_client.get(f"/admin/accounts/servicetoken/{token.pk}/change/").content.decode()


def test_service_token_admin_refuses_no_scope(admin_client):
    response = admin_client.post("/admin/accounts/servicetoken/add/", {"name": "Bot"})
    assert response.status_code == 200
    assert "scopes" in response.context["adminform"].form.errors
    assert not ServiceToken.objects.exists()


@pytest.mark.django_db
def test_setting_a_password_in_admin_goes_through_password_set(client, mailoutbox, django_capture_on_commit_callbacks):
    """The admin's password form is one more door to accounts.services.password_set:
    the person's refresh tokens stop working and they are told."""
    from tests.conftest import jwt_client_for

    admin = User.objects.create_superuser("root2@example.com", "root-password-123")
    person = User.objects.create_user("person@example.com", "old-password-123")
    refresh = (
        jwt_client_for(person)
        .post("/api/v1/auth/token", {"email": "person@example.com", "password": "old-password-123"}, format="json")
        .json()["refresh"]
    )
    admin_login(client, admin)
    url = f"/admin/accounts/user/{person.pk}/password/"
    weak = client.post(url, {"password1": "x" * 129, "password2": "x" * 129, "usable_password": "true"})
    assert weak.status_code == 200  # refused on the form
    person.refresh_from_db()
    assert person.check_password("old-password-123")
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            url, {"password1": "new-password-456", "password2": "new-password-456", "usable_password": "true"}
        )
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password("new-password-456")
    again = client.post("/api/v1/auth/token/update", {"refresh_token": refresh}, content_type="application/json")
    assert again.status_code == 401
    assert [m.to for m in mailoutbox] == [["person@example.com"]]
