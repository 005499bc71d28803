"""The account pages: the same flows as the API, through forms."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts import codes
from accounts.models import Profile, User

from .factories import DEFAULT_PASSWORD, NEW_PASSWORD, UserFactory, code_in, expire_code, image_upload, other_code

pytestmark = pytest.mark.django_db


def signed_in_user(client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value else None


def form_errors(response) -> str:
    html = response.content.decode()
    return " ".join(
        re.findall(r'<(?:ul class="errorlist"[^>]*|div class="form-error"[^>]*)>(.*?)</(?:ul|div)>', html, re.S)
    )


def page_text(response) -> str:
    """The page without its per-request CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


# --- Sign in -------------------------------------------------------------------------------------------


class TestSignIn:
    def test_page_contract(self, client):
        html = client.get("/signin/").content.decode()
        form = re.search(r'<form method="post" class="form" action="/signin/">(.*?)</form>', html, re.S).group(1)
        assert 'name="email"' in form and 'name="password"' in form
        assert len(re.findall(r'<button type="submit"', form)) == 1
        assert reverse("accounts:signin") == "/signin/"

    def test_sign_in_goes_home(self, client, user):
        response = client.post("/signin/", {"email": user.email.upper(), "password": DEFAULT_PASSWORD})
        assert response.status_code == 302 and response["Location"] == reverse("home")
        assert signed_in_user(client) == user.pk
        assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
        user.refresh_from_db()
        assert user.last_auth_at is not None

    def test_sign_in_honours_a_safe_next(self, client, user):
        response = client.post("/signin/?next=/settings/%3Fx%3D1", {"email": user.email, "password": DEFAULT_PASSWORD})
        assert response["Location"] == "/settings/?x=1"

    @pytest.mark.parametrize("nxt", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "///evil"])
    def test_unsafe_next_goes_home(self, client, user, nxt):
        response = client.post("/signin/", {"email": user.email, "password": DEFAULT_PASSWORD, "next": nxt})
        assert response["Location"] == reverse("home")

    def test_next_is_kept_in_the_form(self, client):
        html = client.get("/signin/?next=/settings/").content.decode()
        assert 'name="next" value="/settings/"' in html

    def test_wrong_password_and_unknown_email_show_the_same_error(self, client, user):
        wrong = client.post("/signin/", {"email": user.email, "password": "wrong"})
        unknown = client.post("/signin/", {"email": "nobody@example.com", "password": "wrong"})
        assert wrong.status_code == unknown.status_code == 200
        assert form_errors(wrong) == form_errors(unknown) and "Wrong e-mail or password" in form_errors(wrong)
        assert signed_in_user(client) is None

    def test_lockout(self, client, user):
        for _ in range(5):
            client.post("/signin/", {"email": user.email, "password": "wrong"})
        response = client.post("/signin/", {"email": user.email, "password": DEFAULT_PASSWORD})
        assert "Too many attempts" in form_errors(response)
        assert signed_in_user(client) is None

    def test_signed_in_person_is_sent_on(self, client, user):
        client.force_login(user)
        assert client.get("/signin/?next=/settings/")["Location"] == "/settings/"

    def test_language_of_the_account_is_used_after_sign_in(self, client):
        user = UserFactory(locale="ru")
        client.post("/signin/", {"email": user.email, "password": DEFAULT_PASSWORD})
        assert "Настройки" in client.get("/settings/").content.decode()


class TestSignOut:
    def test_post_signs_out(self, client, user):
        client.force_login(user)
        response = client.post("/signout/")
        assert response.status_code == 302 and signed_in_user(client) is None

    def test_get_asks_first(self, client, user):
        client.force_login(user)
        response = client.get("/signout/")
        assert response.status_code == 200 and signed_in_user(client) == user.pk
        assert 'action="/signout/"' in response.content.decode()

    def test_csrf_is_required(self, user):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        assert client.post("/signout/").status_code == 403
        assert signed_in_user(client) == user.pk


# --- Sign up --------------------------------------------------------------------------------------------


class TestSignUp:
    def test_two_steps(self, client, mailoutbox, sent):
        with sent():
            response = client.post("/signup/", {"email": "New@Example.com"})
        assert response["Location"] == reverse("accounts:signup_confirm")
        page = client.get(response["Location"]).content.decode()
        assert "new@example.com" in page and 'name="code"' in page
        response = client.post(
            "/signup/confirm/", {"code": code_in(mailoutbox[-1]), "username": "newbie", "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302 and response["Location"] == reverse("home")
        user = User.objects.get(email="new@example.com")
        assert signed_in_user(client) == user.pk and user.profile.username == "newbie"

    def test_same_page_for_known_and_unknown_email(self, client, user, mailoutbox, sent):
        with sent():
            known = client.post("/signup/", {"email": user.email}, follow=True)
        other = Client()
        with sent():
            unknown = other.post("/signup/", {"email": "nobody@example.com"}, follow=True)
        assert known.status_code == unknown.status_code == 200
        assert known.redirect_chain == unknown.redirect_chain
        assert page_text(known).replace(user.email, "X") == page_text(unknown).replace("nobody@example.com", "X")

    def test_step_two_without_step_one(self, client):
        assert client.get("/signup/confirm/")["Location"] == reverse("accounts:signup")

    def test_wrong_code_keeps_the_form(self, client, mailoutbox, sent):
        with sent():
            client.post("/signup/", {"email": "new@example.com"})
        code = code_in(mailoutbox[-1])
        response = client.post(
            "/signup/confirm/", {"code": other_code(code), "username": "newbie", "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 200 and "The code is wrong" in form_errors(response)
        assert 'value="newbie"' in response.content.decode()
        assert not User.objects.exists()

    def test_expired_code(self, client, mailoutbox, sent):
        with sent():
            client.post("/signup/", {"email": "new@example.com"})
        code = code_in(mailoutbox[-1])
        expire_code(purpose="signup", subject="new@example.com")
        response = client.post("/signup/confirm/", {"code": code, "username": "newbie", "password": DEFAULT_PASSWORD})
        assert "This code has expired" in form_errors(response) and not User.objects.exists()

    def test_taken_username_is_a_field_error(self, client, mailoutbox, sent):
        UserFactory(username="taken")
        with sent():
            client.post("/signup/", {"email": "new@example.com"})
        response = client.post(
            "/signup/confirm/", {"code": code_in(mailoutbox[-1]), "username": "Taken", "password": DEFAULT_PASSWORD}
        )
        assert "username is taken" in form_errors(response)
        assert not User.objects.filter(email="new@example.com").exists()

    def test_weak_password_is_a_field_error(self, client, mailoutbox, sent):
        with sent():
            client.post("/signup/", {"email": "new@example.com"})
        response = client.post(
            "/signup/confirm/", {"code": code_in(mailoutbox[-1]), "username": "newbie", "password": "123"}
        )
        assert "too short" in form_errors(response) and not User.objects.exists()

    def test_bad_shapes(self, client, mailoutbox, sent):
        with sent():
            client.post("/signup/", {"email": "new@example.com"})
        for data in (
            {"code": "12ab56", "username": "newbie", "password": DEFAULT_PASSWORD},
            {"code": "123456", "username": "x" * 31, "password": DEFAULT_PASSWORD},
            {"code": "123456", "username": "newbie", "password": "x" * 129},
            {},
        ):
            response = client.post("/signup/confirm/", data)
            assert response.status_code == 200 and form_errors(response)
        assert not User.objects.exists()

    def test_resend_is_limited(self, client, mailoutbox, sent):
        with sent():
            client.post("/signup/", {"email": "new@example.com"})
        response = client.post("/signup/", {"email": "new@example.com"})
        assert response.status_code == 200 and "a moment ago" in form_errors(response)
        assert len(mailoutbox) == 1

    def test_next_survives_the_two_steps(self, client, mailoutbox, sent):
        with sent():
            client.post("/signup/", {"email": "new@example.com", "next": "/settings/"})
        response = client.post(
            "/signup/confirm/", {"code": code_in(mailoutbox[-1]), "username": "newbie", "password": DEFAULT_PASSWORD}
        )
        assert response["Location"] == "/settings/"

    def test_russian_page_and_mail(self, client, mailoutbox, sent):
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"
        assert "Создайте аккаунт" in client.get("/signup/").content.decode()
        with sent():
            client.post("/signup/", {"email": "new@example.com"})
        assert "Добро пожаловать" in mailoutbox[-1].body
        client.post(
            "/signup/confirm/", {"code": code_in(mailoutbox[-1]), "username": "newbie", "password": DEFAULT_PASSWORD}
        )
        assert User.objects.get(email="new@example.com").locale == "ru"


# --- Password restore -------------------------------------------------------------------------------------


class TestPasswordRestore:
    def test_two_steps_sign_out_everywhere(self, client, user, mailoutbox, sent):
        elsewhere = Client()
        elsewhere.force_login(user)
        with sent():
            response = client.post("/password/restore/", {"email": user.email})
        assert response["Location"] == reverse("accounts:password_restore_confirm")
        with sent():
            response = client.post(
                "/password/restore/confirm/",
                {"code": code_in(mailoutbox[-1]), "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            )
        assert response["Location"] == reverse("accounts:signin")
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert elsewhere.get("/settings/").status_code == 302

    def test_unknown_email_looks_the_same(self, client, user, mailoutbox, sent):
        with sent():
            known = client.post("/password/restore/", {"email": user.email})
        unknown = Client().post("/password/restore/", {"email": "nobody@example.com"})
        assert known.status_code == unknown.status_code == 302
        assert known["Location"] == unknown["Location"]
        assert len(mailoutbox) == 1

    def test_mismatched_passwords(self, client, user, mailoutbox, sent):
        with sent():
            client.post("/password/restore/", {"email": user.email})
        response = client.post(
            "/password/restore/confirm/",
            {"code": code_in(mailoutbox[-1]), "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"},
        )
        assert "differ" in form_errors(response)
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)

    def test_wrong_code(self, client, user, mailoutbox, sent):
        with sent():
            client.post("/password/restore/", {"email": user.email})
        code = code_in(mailoutbox[-1])
        response = client.post(
            "/password/restore/confirm/",
            {"code": other_code(code), "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert "The code is wrong" in form_errors(response)
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)

    def test_prefilled_email_from_the_link(self, client):
        assert 'value="a@example.com"' in client.get("/password/restore/?email=a@example.com").content.decode()


# --- Settings, password and e-mail change ---------------------------------------------------------------------


class TestSettings:
    def test_needs_sign_in(self, client):
        response = client.get("/settings/")
        assert response.status_code == 302 and response["Location"] == "/signin/?next=/settings/"

    def test_page(self, client, user, django_assert_max_num_queries):
        client.force_login(user)
        # session, user, profile, linked-accounts panel, (savepoints)
        with django_assert_max_num_queries(8):
            response = client.get("/settings/")
        html = response.content.decode()
        assert response.status_code == 200
        assert 'id="linked-accounts"' in html
        assert user.email in html and str(user.pin) in html

    def test_save_profile_and_switch_language(self, client, user):
        client.force_login(user)
        response = client.post(
            "/settings/",
            {
                "username": "Renamed",
                "bio": "Hello",
                "links": "https://example.com/a\n\nhttps://example.com/b",
                "locale": "ru",
            },
        )
        assert response.status_code == 302
        assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "ru"
        profile = Profile.objects.get(user=user)
        assert (profile.username, profile.bio, profile.links) == (
            "Renamed",
            "Hello",
            ["https://example.com/a", "https://example.com/b"],
        )
        page = client.get("/settings/").content.decode()
        assert "Настройки" in page and "Профиль сохранён" in page

    def test_bad_profile_input(self, client, user):
        UserFactory(username="taken")
        client.force_login(user)
        before = Profile.objects.get(user=user).username
        for data, text in (
            ({"username": "TAKEN", "locale": "en"}, "username is taken"),
            ({"username": "a b", "locale": "en"}, "Latin letters"),
            ({"username": "okname", "links": "javascript:alert(1)", "locale": "en"}, "not a web address"),
            ({"username": "okname", "locale": "xx"}, "Select a valid choice"),
            ({"username": "okname", "bio": "x" * 1001, "locale": "en"}, "at most 1000"),
        ):
            response = client.post("/settings/", data)
            assert response.status_code == 400 and text in form_errors(response), text
        assert Profile.objects.get(user=user).username == before

    def test_avatar_upload_and_remove(self, client, user):
        client.force_login(user)
        response = client.post("/settings/avatar/", {"avatar": image_upload()})
        assert response.status_code == 302
        profile = Profile.objects.get(user=user)
        assert profile.avatar.name.endswith(".webp")
        assert profile.avatar.url in client.get("/settings/").content.decode()
        client.post("/settings/avatar/", {"remove": "1"})
        assert not Profile.objects.get(user=user).avatar

    def test_avatar_not_an_image(self, client, user):
        client.force_login(user)
        response = client.post("/settings/avatar/", {"avatar": image_upload("x.png", b"not an image at all")})
        # back to the settings page (which answers GET), the error shown there once
        assert response.status_code == 302 and response["Location"] == "/settings/#avatar"
        assert "JPEG, PNG or WebP" in form_errors(client.get("/settings/"))
        assert "JPEG, PNG or WebP" not in form_errors(client.get("/settings/"))
        assert not Profile.objects.get(user=user).avatar

    def test_avatar_too_large(self, client, user):
        client.force_login(user)
        data = b"\x89PNG" + b"\0" * (5 * 1024 * 1024 + 10)
        response = client.post("/settings/avatar/", {"avatar": image_upload(data=data)})
        assert response.status_code == 302
        assert "too large" in form_errors(client.get("/settings/"))
        assert not Profile.objects.get(user=user).avatar

    def test_avatar_over_the_request_limit_comes_back_to_the_form_signed_in(self, client, user):
        """Refused unread by the middleware, before the session is loaded: a
        redirect to the page the form was on, which shows the error."""
        client.force_login(user)
        data = b"\x89PNG" + b"\0" * (6 * 1024 * 1024)
        response = client.post(
            "/settings/avatar/", {"avatar": image_upload(data=data)}, HTTP_REFERER="http://testserver/settings/"
        )
        assert response.status_code == 303 and response["Location"] == "/settings/?upload_too_large=1"
        page = client.get(response["Location"])
        assert "too large" in form_errors(page)
        assert user.profile.username in page.content.decode()  # the header of a signed-in person


class TestPasswordChange:
    def test_change_keeps_this_session_and_ends_others(self, client, user, mailoutbox, sent):
        client.force_login(user)
        elsewhere = Client()
        elsewhere.force_login(user)
        with sent():
            response = client.post(
                "/settings/password/",
                {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            )
        assert response["Location"] == reverse("accounts:settings")
        assert client.get("/settings/").status_code == 200
        assert elsewhere.get("/settings/").status_code == 302
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert "changed" in mailoutbox[-1].subject

    def test_wrong_current_password(self, client, user):
        client.force_login(user)
        response = client.post(
            "/settings/password/",
            {"current_password": "wrong", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert "password is wrong" in form_errors(response)
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)


class TestEmailChange:
    def test_two_steps(self, client, user, mailoutbox, sent):
        client.force_login(user)
        with sent():
            response = client.post("/settings/email/", {"email": "new@example.com"})
        assert response["Location"] == reverse("accounts:email_change_confirm")
        assert mailoutbox[-1].to == ["new@example.com"]
        with sent():
            response = client.post(
                "/settings/email/confirm/", {"code": code_in(mailoutbox[-1]), "password": DEFAULT_PASSWORD}
            )
        assert response["Location"] == reverse("accounts:settings")
        user.refresh_from_db()
        assert user.email == "new@example.com"

    def test_taken_address_continues_like_a_free_one(self, client, user, mailoutbox, sent):
        taken = UserFactory()
        client.force_login(user)
        with sent():
            response = client.post("/settings/email/", {"email": taken.email})
        assert response["Location"] == reverse("accounts:email_change_confirm")
        assert mailoutbox[-1].to == [taken.email]

    def test_wrong_code(self, client, user, mailoutbox, sent):
        client.force_login(user)
        with sent():
            client.post("/settings/email/", {"email": "new@example.com"})
        code = code_in(mailoutbox[-1])
        response = client.post("/settings/email/confirm/", {"code": other_code(code), "password": DEFAULT_PASSWORD})
        assert "The code is wrong" in form_errors(response)
        user.refresh_from_db()
        assert user.email != "new@example.com"

    def test_needs_sign_in(self, client):
        assert client.get("/settings/email/").status_code == 302
        assert client.post("/settings/email/confirm/", {}).status_code == 302

    def test_resend_uses_the_same_address(self, client, user, mailoutbox, sent):
        client.force_login(user)
        with sent():
            client.post("/settings/email/", {"email": "new@example.com"})
        codes.send_mark_release("new@example.com")
        page = client.get("/settings/email/confirm/").content.decode()
        assert 'name="email" value="new@example.com"' in page
