from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from core import ratelimit
from staff.models import ActivationCode
from staff.services import staff_create

PASSWORD = "river-stone-lantern-42"


@pytest.fixture
def pending(erp_position):
    staff, issued = staff_create(
        full_name="Anna Petrova",
        email="anna.petrova@example.com",
        phone="+79991234567",
        position=erp_position,
        create_user=True,
    )
    return staff, issued.code


def submit(client, code, password=PASSWORD, again=None, email="anna.petrova@example.com"):
    return client.post(
        "/activate/",
        {"email": email, "activation_code": code, "password": password, "password_again": again or password},
    )


def test_page_in_english_and_russian(db):
    response = Client().get("/activate/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "First sign-in / Activation" in html and 'name="activation_code"' in html
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    html = Client(HTTP_ACCEPT_LANGUAGE="ru").get("/activate/").content.decode()
    assert "Первый вход / Активация" in html and "Код активации" in html


def test_email_can_be_prefilled(db):
    html = Client().get("/activate/?email=anna%40example.com").content.decode()
    assert 'value="anna@example.com"' in html


def test_activation_signs_in_and_goes_home(pending):
    staff, code = pending
    client = Client()
    response = submit(client, code.lower().replace("-", " "))
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(pk=staff.user_id)
    assert user.is_active and user.check_password(PASSWORD)
    follow = client.get("/")
    assert follow.wsgi_request.user == user
    assert "Your account is active" in follow.content.decode()


def test_activation_in_russian_sets_the_locale(pending):
    staff, code = pending
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    assert submit(client, code).status_code == 302
    assert User.objects.get(pk=staff.user_id).locale == "ru"


def test_wrong_code_is_shown_on_the_field_and_counted(pending):
    staff, code = pending
    wrong = "ABCD-EFGH-JK" if code != "ABCD-EFGH-JK" else "ABCD-EFGH-JM"
    response = submit(Client(), wrong)
    assert response.status_code == 400
    html = response.content.decode()
    assert "activation code is wrong" in html and "left" not in html
    assert 'id="id_activation_code-errors"' in html
    assert ActivationCode.objects.get(user=staff.user).attempts == 1
    assert not response.wsgi_request.user.is_authenticated


def test_wrong_code_message_in_russian(pending):
    response = submit(
        Client(HTTP_ACCEPT_LANGUAGE="ru"), "ABCD-EFGH-JM" if pending[1] != "ABCD-EFGH-JM" else "ABCD-EFGH-JK"
    )
    assert "Неверный адрес почты или код активации" in response.content.decode()


def test_mismatched_passwords_do_not_reach_the_service(pending):
    staff, code = pending
    response = submit(Client(), code, again="something-else-99")
    assert response.status_code == 400
    assert "passwords do not match" in response.content.decode()
    assert ActivationCode.objects.get(user=staff.user).attempts == 0


def test_weak_password_is_shown_on_the_password_field(pending):
    staff, code = pending
    response = submit(Client(), code, password="12345678")
    html = response.content.decode()
    assert response.status_code == 400 and 'id="id_password-errors"' in html
    assert "too common" in html or "entirely numeric" in html
    assert ActivationCode.objects.get(user=staff.user).used_at is None


def test_expired_code_says_so(pending):
    staff, code = pending
    ActivationCode.objects.filter(user=staff.user).update(expires_at=timezone.now() - timedelta(days=1))
    response = submit(Client(), code)
    assert response.status_code == 410 and "has expired" in response.content.decode()


def test_rate_limited_page_is_429(pending):
    _staff, code = pending
    for i in range(ratelimit.limit("staff-activate-ip").limit):
        submit(Client(), "ABCD-EFGH-JK", email=f"nobody{i}@example.com")
    response = submit(Client(), code)
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()


def test_post_without_csrf_token_is_refused(pending):
    _staff, code = pending
    client = Client(enforce_csrf_checks=True)
    assert submit(client, code).status_code == 403
    assert not User.objects.get(email="anna.petrova@example.com").is_active


def test_signed_in_person_is_told_who_they_are_and_offered_to_sign_out_first(pending):
    """Issue 16: /activate/ shown to someone signed in is not the bare form."""
    staff, code = pending
    someone = User.objects.create_user(email="mira@example.com", password=PASSWORD)
    client = Client()
    client.force_login(someone)
    page = client.get("/activate/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "You are signed in as" in html and "mira@example.com" in html
    assert 'name="activation_code"' not in html
    assert 'action="/signout/"' in html and 'name="next" value="/activate/"' in html
    # a post while signed in activates nothing
    assert submit(client, code).status_code == 409
    assert not User.objects.get(email="anna.petrova@example.com").has_usable_password()
    # signing out from there comes back to the form
    out = client.post("/signout/", {"next": "/activate/"})
    assert out.status_code == 302 and out["Location"] == "/activate/"
    assert 'name="activation_code"' in client.get("/activate/").content.decode()


def test_sign_out_ignores_a_next_on_another_site(db):
    client = Client()
    client.force_login(User.objects.create_user(email="mira@example.com", password=PASSWORD))
    assert client.post("/signout/", {"next": "https://evil.example/"})["Location"] == "/"
