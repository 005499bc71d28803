"""The accounts API over HTTP: every flow, its failures, its limits."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken

from accounts import codes
from accounts.models import Profile, User
from tests.conftest import jwt_client_for

from .factories import (
    DEFAULT_PASSWORD,
    NEW_PASSWORD,
    UserFactory,
    code_in,
    expire_code,
    image_upload,
    other_code,
    png_bytes,
)

pytestmark = pytest.mark.django_db
API = "/api/v1"


def post(client, path, data=None, **kwargs):
    return client.post(API + path, data=data if data is not None else {}, format="json", **kwargs)


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def snapshot():
    """What a request could have written: users, profiles, tokens, codes."""
    return (
        list(User.objects.order_by("pk").values_list("pk", "email", "password", "locale")),
        list(Profile.objects.order_by("pk").values_list("pk", "username", "bio", "links", "avatar")),
        OutstandingToken.objects.count(),
        BlacklistedToken.objects.count(),
    )


def assert_error(response, status: int, code: str | None = None):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    if code:
        assert body["code"] == code, body
    return body


# --- Sign-up ------------------------------------------------------------------------------------


class TestSignUp:
    def test_whole_flow(self, api_client, mailoutbox, sent):
        with sent():
            response = post(api_client, "/auth/email/validate", {"email": "New@Example.com"})
        assert response.status_code == 202
        [message] = mailoutbox
        assert message.to == ["new@example.com"]
        code = code_in(message)

        response = post(
            api_client,
            "/auth/signin",
            {"email": "new@example.com", "username": "Newbie", "password": DEFAULT_PASSWORD, "code": code},
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["user"]["email"] == "new@example.com" and body["user"]["username"] == "Newbie"
        assert set(body) == {"user", "access", "refresh", "access_expires_at"}
        assert body["access_expires_at"] == AccessToken(body["access"])["exp"]
        me = bearer(body["access"]).get(API + "/user/@me")
        assert me.status_code == 200 and me.json()["id"] == body["user"]["id"]
        assert User.objects.get(email="new@example.com").last_auth_at is not None

    def test_signup_alias_and_trailing_slash(self, api_client, mailoutbox, sent):
        with sent():
            post(api_client, "/auth/email/validate/", {"email": "new@example.com", "purpose": "signup"})
        code = code_in(mailoutbox[-1])
        response = post(
            api_client,
            "/auth/signup/",
            {"email": "new@example.com", "username": "newbie", "password": DEFAULT_PASSWORD, "code": code},
        )
        assert response.status_code == 201

    def test_request_language_picks_the_mail_and_account_language(self, api_client, mailoutbox, sent):
        with sent():
            post(api_client, "/auth/email/validate", {"email": "new@example.com"}, HTTP_ACCEPT_LANGUAGE="ru")
        message = mailoutbox[-1]
        assert "код" in message.subject.lower() and "Добро пожаловать" in message.body
        response = post(
            api_client,
            "/auth/signin",
            {"email": "new@example.com", "username": "newbie", "password": DEFAULT_PASSWORD, "code": code_in(message)},
            HTTP_ACCEPT_LANGUAGE="ru",
        )
        assert response.json()["user"]["locale"] == "ru"

    def test_same_reply_for_known_and_unknown_email(self, api_client, user, mailoutbox, sent):
        with sent():
            known = post(api_client, "/auth/email/validate", {"email": user.email})
            unknown = post(api_client, "/auth/email/validate", {"email": "nobody@example.com"})
        assert known.status_code == unknown.status_code == 202
        assert known.json() == {"detail": f"Check your inbox: we sent a message with the next step to {user.email}."}
        assert known.json()["detail"].replace(user.email, "X") == unknown.json()["detail"].replace(
            "nobody@example.com", "X"
        )
        exists, code_mail = mailoutbox
        assert exists.to == [user.email] and "already have" in exists.subject
        assert code_mail.to == ["nobody@example.com"] and code_in(code_mail)

    def test_reused_code(self, api_client, mailoutbox, sent):
        with sent():
            post(api_client, "/auth/email/validate", {"email": "new@example.com"})
        data = {"email": "new@example.com", "username": "newbie", "password": DEFAULT_PASSWORD}
        data["code"] = code_in(mailoutbox[-1])
        assert post(api_client, "/auth/signin", data).status_code == 201
        User.objects.filter(email="new@example.com").delete()
        before = snapshot()
        assert_error(post(api_client, "/auth/signin", {**data, "username": "other"}), 400, "code_expired")
        assert snapshot() == before

    def test_wrong_code_five_times_kills_it(self, api_client, mailoutbox, sent):
        with sent():
            post(api_client, "/auth/email/validate", {"email": "new@example.com"})
        code = code_in(mailoutbox[-1])
        data = {"email": "new@example.com", "username": "newbie", "password": DEFAULT_PASSWORD}
        # Wrong, with the tries left; the fifth wrong try kills the code.
        for left in (4, 3, 2, 1):
            body = assert_error(
                post(api_client, "/auth/signin", {**data, "code": other_code(code)}), 400, "code_invalid"
            )
            assert "code" in body["errors"] and body["tries_left"] == left
        assert_error(
            post(api_client, "/auth/signin", {**data, "code": other_code(code)}), 400, "code_attempts_exceeded"
        )
        assert_error(post(api_client, "/auth/signin", {**data, "code": code}), 400, "code_attempts_exceeded")
        assert not User.objects.exists()

    def test_expired_code(self, api_client, mailoutbox, sent):
        with sent():
            post(api_client, "/auth/email/validate", {"email": "new@example.com"})
        code = code_in(mailoutbox[-1])
        expire_code(purpose="signup", subject="new@example.com")
        data = {"email": "new@example.com", "username": "newbie", "password": DEFAULT_PASSWORD, "code": code}
        assert_error(post(api_client, "/auth/signin", data), 400, "code_expired")
        assert not User.objects.exists()

    def test_code_for_another_email(self, api_client, mailoutbox, sent):
        with sent():
            post(api_client, "/auth/email/validate", {"email": "new@example.com"})
        data = {"email": "other@example.com", "username": "newbie", "password": DEFAULT_PASSWORD}
        # No code was asked for this address: the same answer as an expired one.
        assert_error(post(api_client, "/auth/signin", {**data, "code": code_in(mailoutbox[-1])}), 400, "code_expired")

    def test_taken_username_is_409_with_a_field_error(self, api_client, mailoutbox, sent):
        UserFactory(username="Taken")
        with sent():
            post(api_client, "/auth/email/validate", {"email": "new@example.com"})
        data = {"email": "new@example.com", "username": "TAKEN", "password": DEFAULT_PASSWORD}
        before = snapshot()
        body = assert_error(post(api_client, "/auth/signin", {**data, "code": code_in(mailoutbox[-1])}), 409)
        assert body["code"] == "username_taken" and body["errors"]["username"]
        assert snapshot() == before

    def test_weak_password(self, api_client, mailoutbox, sent):
        with sent():
            post(api_client, "/auth/email/validate", {"email": "new@example.com"})
        data = {"email": "new@example.com", "username": "newbie", "password": "12345678"}
        body = assert_error(post(api_client, "/auth/signin", {**data, "code": code_in(mailoutbox[-1])}), 400)
        assert body["code"] == "password_invalid" and body["errors"]["password"]
        assert not User.objects.exists()

    def test_every_field_problem_is_reported_at_once(self, api_client, mailoutbox, sent):
        with sent():
            post(api_client, "/auth/email/validate", {"email": "new@example.com"})
        data = {"email": "new@example.com", "username": "a b", "password": "123", "code": code_in(mailoutbox[-1])}
        body = assert_error(post(api_client, "/auth/signin", data), 400, "username_invalid")
        assert set(body["errors"]) == {"username", "password"}
        assert not User.objects.exists()

    def test_second_code_within_ten_seconds_is_429(self, api_client, mailoutbox, sent):
        with sent():
            post(api_client, "/auth/email/validate", {"email": "new@example.com"})
        response = post(api_client, "/auth/email/validate", {"email": "new@example.com"})
        assert_error(response, 429, "code_sent_recently")
        assert 1 <= int(response["Retry-After"]) <= 10
        assert len(mailoutbox) == 1

    def test_a_stale_token_does_not_block_a_signup_code(self, user, mailoutbox, sent):
        token = AccessToken.for_user(user)
        token.set_exp(from_time=token.current_time - timedelta(hours=1))
        with sent():
            response = post(bearer(str(token)), "/auth/email/validate", {"email": "new@example.com"})
        assert response.status_code == 202 and len(mailoutbox) == 1
        expired_change = post(
            bearer(str(token)), "/auth/email/validate", {"email": "b@example.com", "purpose": "change"}
        )
        assert_error(expired_change, 401, "token_expired")

    def test_change_purpose_with_a_session_needs_csrf(self, user, mailoutbox):
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(user)
        response = post(client, "/auth/email/validate", {"email": "b@example.com", "purpose": "change"})
        assert_error(response, 403)
        assert mailoutbox == []

    def test_change_purpose_needs_authentication(self, api_client, mailoutbox, sent):
        with sent():
            response = post(api_client, "/auth/email/validate", {"email": "new@example.com", "purpose": "change"})
        assert_error(response, 401, "not_authenticated")
        assert mailoutbox == []


# --- Sign-in and tokens ------------------------------------------------------------------------------


class TestToken:
    def test_sign_in(self, api_client, user):
        response = post(api_client, "/auth/token", {"email": user.email.upper(), "password": DEFAULT_PASSWORD})
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access", "refresh", "access_expires_at"}
        assert body["access_expires_at"] == AccessToken(body["access"])["exp"]
        assert bearer(body["access"]).get(API + "/user/@me").json()["email"] == user.email

    def test_unknown_email_and_wrong_password_look_the_same(self, api_client, user):
        unknown = post(api_client, "/auth/token", {"email": "nobody@example.com", "password": DEFAULT_PASSWORD})
        wrong = post(api_client, "/auth/token", {"email": user.email, "password": "wrong-password"})
        assert unknown.status_code == wrong.status_code == 401
        assert unknown.json() == wrong.json()
        assert wrong.json()["code"] == "invalid_credentials"

    def test_failures_are_limited_per_account(self, api_client, user):
        for _ in range(5):
            assert post(api_client, "/auth/token", {"email": user.email, "password": "wrong"}).status_code == 401
        response = post(api_client, "/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD})
        assert_error(response, 429, "rate_limited")
        assert int(response["Retry-After"]) > 0
        assert OutstandingToken.objects.count() == 0

    def test_failures_are_limited_per_ip(self, api_client, user):
        for i in range(10):
            post(api_client, "/auth/token", {"email": f"n{i}@example.com", "password": "wrong"})
        assert_error(post(api_client, "/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}), 429)
        other_ip = post(
            api_client, "/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}, REMOTE_ADDR="192.0.2.9"
        )
        assert other_ip.status_code == 200

    def test_a_stale_authorization_header_does_not_block_sign_in(self, user):
        client = bearer("garbage.token.here")
        response = post(client, "/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 200

    def test_update_rotates(self, api_client, user):
        pair = post(api_client, "/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}).json()
        response = post(api_client, "/auth/token/update", {"refresh_token": pair["refresh"]})
        assert response.status_code == 200
        new = response.json()
        assert set(new) == {"access", "refresh", "access_expires_at"} and new["refresh"] != pair["refresh"]
        assert post(api_client, "/auth/token/update", {"refresh_token": new["refresh"]}).status_code == 200
        # Reusing the old one ends the family (tests/accounts/test_token_family.py).
        assert_error(post(api_client, "/auth/token/update", {"refresh_token": pair["refresh"]}), 401, "token_invalid")

    def test_update_with_an_access_token_or_garbage(self, api_client, user):
        pair = post(api_client, "/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}).json()
        before = snapshot()
        for bad in (pair["access"], "garbage", "a.b.c"):
            assert_error(post(api_client, "/auth/token/update", {"refresh_token": bad}), 401, "token_invalid")
        assert snapshot() == before

    def test_logout(self, api_client, user):
        pair = post(api_client, "/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}).json()
        response = post(api_client, "/auth/logout", {"refresh_token": pair["refresh"]})
        assert response.status_code == 204 and response.content == b""
        assert_error(post(api_client, "/auth/token/update", {"refresh_token": pair["refresh"]}), 401, "token_invalid")
        assert_error(post(api_client, "/auth/logout", {"refresh_token": pair["refresh"]}), 401, "token_invalid")


class TestAccessTokenErrors:
    def test_expired_access_token(self, user):
        token = AccessToken.for_user(user)
        token.set_exp(from_time=token.current_time - timedelta(hours=1))
        body = assert_error(bearer(str(token)).get(API + "/user/@me"), 401, "token_expired")
        assert "refresh" in body["detail"].lower()

    def test_malformed_access_token(self, db):
        assert_error(bearer("not.a.jwt").get(API + "/user/@me"), 401, "token_invalid")

    def test_tampered_access_token(self, user):
        head, payload, signature = str(AccessToken.for_user(user)).split(".")
        tampered = f"{head}.{payload}.{signature[::-1]}"
        assert_error(bearer(tampered).get(API + "/user/@me"), 401, "token_invalid")

    def test_no_credentials(self, api_client, db):
        assert_error(api_client.get(API + "/user/@me"), 401, "not_authenticated")

    def test_deleted_user(self, user):
        client = jwt_client_for(user)
        user.delete()
        assert client.get(API + "/user/@me").status_code == 401


# --- Password restore --------------------------------------------------------------------------------


class TestPasswordRestore:
    def test_whole_flow_revokes_tokens(self, api_client, user, mailoutbox, sent):
        old = post(api_client, "/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}).json()
        with sent():
            response = post(api_client, "/auth/password/restore", {"email": user.email})
        assert response.status_code == 202
        code = code_in(mailoutbox[-1])
        with sent():
            response = post(
                api_client,
                "/auth/password/restore/confirm",
                {"email": user.email, "code": code, "new_password": NEW_PASSWORD},
            )
        assert response.status_code == 200 and response.json()["detail"]
        # Old refresh and access tokens stop working; the new password works.
        assert_error(post(api_client, "/auth/token/update", {"refresh_token": old["refresh"]}), 401, "token_invalid")
        assert_error(bearer(old["access"]).get(API + "/user/@me"), 401, "token_revoked")
        assert post(api_client, "/auth/token", {"email": user.email, "password": NEW_PASSWORD}).status_code == 200
        assert_error(post(api_client, "/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}), 401)
        # The code is single use.
        assert_error(
            post(
                api_client,
                "/auth/password/restore/confirm",
                {"email": user.email, "code": code, "new_password": "yet-another-passphrase"},
            ),
            400,
            "code_expired",
        )

    def test_same_reply_for_known_and_unknown_email(self, api_client, user, mailoutbox, sent):
        with sent():
            known = post(api_client, "/auth/password/restore", {"email": user.email})
        with sent():
            unknown = post(api_client, "/auth/password/restore", {"email": "nobody@example.com"})
        assert known.status_code == unknown.status_code == 202
        assert known.json()["detail"].replace(user.email, "X") == unknown.json()["detail"].replace(
            "nobody@example.com", "X"
        )
        assert [m.to for m in mailoutbox] == [[user.email]]

    def test_confirm_for_unknown_email_looks_like_a_wrong_code(self, api_client, user, mailoutbox, sent):
        with sent():
            post(api_client, "/auth/password/restore", {"email": user.email})
        with sent():
            post(api_client, "/auth/password/restore", {"email": "nobody@example.com"})
        code = code_in(mailoutbox[-1])
        wrong = post(
            api_client,
            "/auth/password/restore/confirm",
            {"email": user.email, "code": other_code(code), "new_password": NEW_PASSWORD},
        )
        unknown = post(
            api_client,
            "/auth/password/restore/confirm",
            {"email": "nobody@example.com", "code": code, "new_password": NEW_PASSWORD},
        )
        assert wrong.status_code == unknown.status_code == 400
        assert wrong.json() == unknown.json()

    def test_wrong_code_five_times(self, api_client, user, mailoutbox, sent):
        with sent():
            post(api_client, "/auth/password/restore", {"email": user.email})
        code = code_in(mailoutbox[-1])
        data = {"email": user.email, "new_password": NEW_PASSWORD}
        before = snapshot()
        for _ in range(5):
            assert_error(post(api_client, "/auth/password/restore/confirm", {**data, "code": other_code(code)}), 400)
        assert_error(
            post(api_client, "/auth/password/restore/confirm", {**data, "code": code}), 400, "code_attempts_exceeded"
        )
        assert snapshot() == before

    def test_expired_code(self, api_client, user, mailoutbox, sent):
        with sent():
            post(api_client, "/auth/password/restore", {"email": user.email})
        code = code_in(mailoutbox[-1])
        expire_code(purpose="restore", subject=user.email)
        before = snapshot()
        response = post(
            api_client,
            "/auth/password/restore/confirm",
            {"email": user.email, "code": code, "new_password": NEW_PASSWORD},
        )
        assert_error(response, 400, "code_expired")
        assert snapshot() == before


# --- Signed-in actions, as JWT and as session ----------------------------------------------------------


class TestPasswordChange:
    def test_change(self, auth_client, mailoutbox, sent):
        user = auth_client.user
        other_pair = post(APIClient(), "/auth/token", {"email": user.email, "password": DEFAULT_PASSWORD}).json()
        with sent():
            response = post(
                auth_client,
                "/auth/password/change",
                {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
            )
        assert response.status_code == 200
        body = response.json()
        assert {"detail", "access", "refresh", "access_expires_at"} <= set(body)
        # Everything issued before is revoked; the fresh pair works.
        assert_error(post(APIClient(), "/auth/token/update", {"refresh_token": other_pair["refresh"]}), 401)
        assert_error(bearer(other_pair["access"]).get(API + "/user/@me"), 401, "token_revoked")
        assert bearer(body["access"]).get(API + "/user/@me").status_code == 200
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert "changed" in mailoutbox[-1].subject

    def test_session_stays_signed_in(self, user):
        client = APIClient()
        client.force_login(user)
        bystander = APIClient()
        bystander.force_login(user)
        response = post(
            client, "/auth/password/change", {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
        )
        assert response.status_code == 200
        assert client.get(API + "/user/@me").status_code == 200
        assert client.session[SESSION_KEY] == str(user.pk)
        assert_error(bystander.get(API + "/user/@me"), 401)

    def test_wrong_current_password(self, auth_client):
        before = snapshot()
        body = assert_error(
            post(auth_client, "/auth/password/change", {"current_password": "wrong", "new_password": NEW_PASSWORD}),
            400,
            "password_incorrect",
        )
        assert "current_password" in body["errors"]
        assert snapshot() == before

    def test_weak_new_password(self, auth_client):
        before = snapshot()
        body = assert_error(
            post(auth_client, "/auth/password/change", {"current_password": DEFAULT_PASSWORD, "new_password": "abc"}),
            400,
            "password_invalid",
        )
        assert "new_password" in body["errors"]
        assert snapshot() == before

    def test_needs_authentication(self, api_client, db):
        response = post(
            api_client, "/auth/password/change", {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}
        )
        assert_error(response, 401)


class TestEmailChange:
    def test_change(self, auth_client, mailoutbox, sent):
        user = auth_client.user
        old_email = user.email
        with sent():
            response = post(auth_client, "/auth/email/validate", {"email": "New@Example.com", "purpose": "change"})
        assert response.status_code == 202
        message = mailoutbox[-1]
        assert message.to == ["new@example.com"]
        with sent():
            response = post(
                auth_client,
                "/auth/email/change",
                {"email": "new@example.com", "password": DEFAULT_PASSWORD, "code": code_in(message)},
            )
        assert response.status_code == 200, response.content
        assert response.json()["email"] == "new@example.com"
        assert mailoutbox[-1].to == [old_email]
        user.refresh_from_db()
        assert user.email == "new@example.com"

    def test_taken_address_same_reply_and_notice(self, auth_client, mailoutbox, sent):
        taken = UserFactory()
        with sent():
            taken_reply = post(auth_client, "/auth/email/validate", {"email": taken.email, "purpose": "change"})
        codes.send_mark_release(taken.email)
        with sent():
            free_reply = post(auth_client, "/auth/email/validate", {"email": "free@example.com", "purpose": "change"})
        assert taken_reply.status_code == free_reply.status_code == 202
        assert taken_reply.json()["detail"].replace(taken.email, "X") == free_reply.json()["detail"].replace(
            "free@example.com", "X"
        )
        notice, code_mail = mailoutbox
        assert notice.to == [taken.email] and "already" in notice.subject
        assert code_mail.to == ["free@example.com"]

    def test_taken_meanwhile_is_409(self, auth_client, mailoutbox, sent):
        with sent():
            post(auth_client, "/auth/email/validate", {"email": "new@example.com", "purpose": "change"})
        UserFactory(email="new@example.com")
        before = snapshot()
        response = post(
            auth_client,
            "/auth/email/change",
            {"email": "new@example.com", "password": DEFAULT_PASSWORD, "code": code_in(mailoutbox[-1])},
        )
        body = assert_error(response, 409, "email_taken")
        assert body["errors"]["email"]
        assert snapshot() == before

    def test_wrong_code_and_wrong_password(self, auth_client, mailoutbox, sent):
        with sent():
            post(auth_client, "/auth/email/validate", {"email": "new@example.com", "purpose": "change"})
        code = code_in(mailoutbox[-1])
        before = snapshot()
        wrong_code = {"email": "new@example.com", "password": DEFAULT_PASSWORD, "code": other_code(code)}
        assert_error(post(auth_client, "/auth/email/change", wrong_code), 400, "code_invalid")
        wrong_password = {"email": "new@example.com", "password": "wrong", "code": code}
        assert_error(post(auth_client, "/auth/email/change", wrong_password), 400, "password_incorrect")
        assert snapshot() == before

    def test_own_address(self, auth_client, mailoutbox):
        response = post(auth_client, "/auth/email/validate", {"email": auth_client.user.email, "purpose": "change"})
        assert_error(response, 400, "email_unchanged")
        assert mailoutbox == []


# --- Profile ------------------------------------------------------------------------------------------------


class TestMe:
    def test_get(self, auth_client, django_assert_max_num_queries):
        # session or JWT user, user + profile, (session row for the session client)
        with django_assert_max_num_queries(4):
            response = auth_client.get(API + "/user/@me")
        assert response.status_code == 200
        user = auth_client.user
        assert response.json() == {
            "id": user.pk,
            "uuid": str(user.uuid),
            "email": user.email,
            "pin": user.pin,
            "locale": "en",
            "username": user.profile.username,
            "avatar": None,
            "avatar_urls": response.json()["avatar_urls"],  # PNG placeholders: tests/accounts/test_avatar_png.py
            "bio": "",
            "links": [],
            "joined_at": response.json()["joined_at"],
        }

    def test_patch(self, auth_client):
        response = auth_client.patch(
            API + "/user/@me",
            {"username": "Renamed", "bio": "I play.", "links": ["https://example.com/me"], "locale": "ru"},
            format="json",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert (body["username"], body["bio"], body["links"], body["locale"]) == (
            "Renamed",
            "I play.",
            ["https://example.com/me"],
            "ru",
        )

    def test_patch_taken_username(self, auth_client):
        UserFactory(username="taken")
        before = snapshot()
        body = assert_error(auth_client.patch(API + "/user/@me", {"username": "Taken"}, format="json"), 409)
        assert body["code"] == "username_taken" and body["errors"]["username"]
        assert snapshot() == before

    @pytest.mark.parametrize(
        "data, field",
        [
            ({"username": "a b"}, "username"),
            ({"username": "x" * 31}, "username"),
            ({"username": 12345}, "username"),
            ({"bio": "x" * 1001}, "bio"),
            ({"bio": ["list"]}, "bio"),
            ({"links": "https://example.com"}, "links"),
            ({"links": ["javascript:alert(1)"]}, "links"),
            ({"links": [f"https://example.com/{i}" for i in range(6)]}, "links"),
            ({"links": [{"url": "https://example.com"}]}, "links"),
            ({"locale": "de"}, "locale"),
            ({"locale": None}, "locale"),
        ],
    )
    def test_patch_bad_input(self, auth_client, data, field):
        before = snapshot()
        body = assert_error(auth_client.patch(API + "/user/@me", data, format="json"), 400)
        assert field in body["errors"]
        assert snapshot() == before

    def test_patch_unknown_locale_has_the_one_locale_code(self, auth_client):
        body = assert_error(auth_client.patch(API + "/user/@me", {"locale": "de"}, format="json"), 400)
        assert body["code"] == "locale_invalid" and body["errors"]["locale"]

    def test_patch_needs_authentication(self, api_client, db):
        assert_error(api_client.patch(API + "/user/@me", {"bio": "x"}, format="json"), 401)


class TestAvatar:
    def test_upload(self, auth_client, settings):
        response = auth_client.put(API + "/user/@me/avatar", {"avatar": image_upload()}, format="multipart")
        assert response.status_code == 200, response.content
        url = response.json()["avatar"]
        assert url.startswith(settings.SITE_URL + "/media/avatars/") and url.endswith(".webp")

    def test_remove(self, auth_client):
        auth_client.put(API + "/user/@me/avatar", {"avatar": image_upload()}, format="multipart")
        assert auth_client.delete(API + "/user/@me/avatar").status_code == 204
        assert auth_client.get(API + "/user/@me").json()["avatar"] is None

    def test_not_an_image(self, auth_client):
        before = snapshot()
        upload = image_upload("evil.png", b"<?php echo 1; ?>")
        body = assert_error(auth_client.put(API + "/user/@me/avatar", {"avatar": upload}, format="multipart"), 400)
        assert body["code"] == "invalid_image" and body["errors"]["avatar"]
        assert snapshot() == before

    def test_gif_is_refused(self, auth_client):
        import io

        from PIL import Image

        buf = io.BytesIO()
        Image.new("RGB", (10, 10)).save(buf, "GIF")
        upload = image_upload("a.gif", buf.getvalue(), "image/gif")
        assert_error(
            auth_client.put(API + "/user/@me/avatar", {"avatar": upload}, format="multipart"), 400, "invalid_image"
        )

    def test_oversized_file_is_413(self, auth_client):
        # 5 MB + a bit: under the request cap, over the file cap.
        data = png_bytes(10, 10) + b"\0" * (5 * 1024 * 1024 + 10)
        before = snapshot()
        response = auth_client.put(API + "/user/@me/avatar", {"avatar": image_upload(data=data)}, format="multipart")
        assert_error(response, 413, "file_too_large")
        assert snapshot() == before

    def test_oversized_request_is_413(self, auth_client):
        data = b"\0" * (6 * 1024 * 1024)
        response = auth_client.put(API + "/user/@me/avatar", {"avatar": image_upload(data=data)}, format="multipart")
        assert_error(response, 413, "payload_too_large")

    def test_no_file(self, auth_client):
        body = assert_error(auth_client.put(API + "/user/@me/avatar", {}, format="multipart"), 400)
        assert "avatar" in body["errors"]

    def test_json_is_415(self, auth_client):
        assert_error(auth_client.put(API + "/user/@me/avatar", {"avatar": "x"}, format="json"), 415)


class TestPublicProfile:
    def test_public_fields_only(self, auth_client, django_assert_max_num_queries):
        other = UserFactory(username="someone")
        with django_assert_max_num_queries(4):
            response = auth_client.get(f"{API}/user/{other.pk}")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"id", "username", "avatar", "avatar_urls", "bio", "links", "joined_at"}
        assert body["username"] == "someone"
        assert other.email not in json.dumps(body) and str(other.pin) not in json.dumps(body)

    def test_unknown_and_inactive_are_404(self, auth_client):
        assert_error(auth_client.get(f"{API}/user/999999"), 404, "not_found")
        inactive = UserFactory(is_active=False)
        assert_error(auth_client.get(f"{API}/user/{inactive.pk}"), 404, "not_found")

    def test_needs_authentication(self, api_client, user):
        assert_error(api_client.get(f"{API}/user/{user.pk}"), 401)


def test_public_user_serializer_embeds_id_username_avatar(user, settings):
    from accounts.serializers import PublicUserOut
    from accounts.services import profile_avatar_set

    profile_avatar_set(user=user, upload=image_upload())
    loaded = User.objects.select_related("profile").get(pk=user.pk)
    data = PublicUserOut(loaded).data
    assert set(data) == {"id", "username", "avatar", "avatar_urls"}
    assert data["avatar"].startswith(settings.SITE_URL + "/media/")
    assert set(data["avatar_urls"].values()) == {data["avatar"]}  # an upload is one file, at every size
    assert PublicUserOut(UserFactory()).data["avatar"] is None


# --- Bad input on every endpoint ------------------------------------------------------------------------

ANONYMOUS = [
    ("/auth/email/validate", {"email": "a@example.com"}),
    ("/auth/signin", {"email": "a@example.com", "username": "abc", "password": DEFAULT_PASSWORD, "code": "123456"}),
    ("/auth/signup", {"email": "a@example.com", "username": "abc", "password": DEFAULT_PASSWORD, "code": "123456"}),
    ("/auth/token", {"email": "a@example.com", "password": DEFAULT_PASSWORD}),
    ("/auth/token/update", {"refresh_token": "x"}),
    ("/auth/logout", {"refresh_token": "x"}),
    ("/auth/password/restore", {"email": "a@example.com"}),
    ("/auth/password/restore/confirm", {"email": "a@example.com", "code": "123456", "new_password": NEW_PASSWORD}),
]
SIGNED_IN = [
    ("/auth/password/change", {"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}),
    ("/auth/email/change", {"email": "b@example.com", "password": DEFAULT_PASSWORD, "code": "123456"}),
    ("/auth/email/validate", {"email": "b@example.com", "purpose": "change"}),
]
ALL = [pytest.param(p, d, id=p) for p, d in ANONYMOUS + SIGNED_IN]


def _wrong_types(valid: dict):
    for field in valid:
        for bad in (12345, True, None, ["x"], {"a": 1}):
            yield {**valid, field: bad}, field
        yield {k: v for k, v in valid.items() if k != field}, field
        if field not in ("purpose",):
            yield {**valid, field: "x" * 5000}, field


@pytest.mark.parametrize("path, valid", ALL)
def test_malformed_json(path, valid, user, mailoutbox):
    client = jwt_client_for(user)
    before = snapshot()
    for body in ("{not json", '{"email": ', "\xff\xfe", "[1, 2", "nul"):
        response = client.post(API + path, data=body.encode("latin-1"), content_type="application/json")
        assert_error(response, 400, "parse_error")
    assert snapshot() == before and mailoutbox == []


@pytest.mark.parametrize("path, valid", ALL)
def test_not_an_object(path, valid, user, mailoutbox):
    client = jwt_client_for(user)
    before = snapshot()
    for body in ([1, 2], "text", 42, None):
        response = client.post(API + path, data=json.dumps(body), content_type="application/json")
        assert_error(response, 400)
    assert snapshot() == before and mailoutbox == []


@pytest.mark.parametrize("path, valid", ALL)
def test_missing_wrong_typed_and_overlong_fields(path, valid, user, mailoutbox):
    client = jwt_client_for(user)
    before = snapshot()
    for data, field in _wrong_types(valid):
        if path == "/auth/email/validate" and field == "purpose" and data.get("purpose") is None:
            continue  # purpose is optional: leaving it out means sign-up
        response = client.post(API + path, data=json.dumps(data), content_type="application/json")
        body = assert_error(response, 400)
        assert field in body.get("errors", {}), (path, data, body)
    assert snapshot() == before and mailoutbox == []


@pytest.mark.parametrize("path", ["/auth/signin", "/auth/password/restore/confirm", "/auth/email/change"])
@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", " 12345", "１２３４５６"])
def test_code_shape(path, code, user):
    client = jwt_client_for(user)
    valid = dict(ANONYMOUS + SIGNED_IN)[path]
    body = assert_error(client.post(API + path, data={**valid, "code": code}, format="json"), 400)
    assert "code" in body["errors"]


def test_wrong_content_type(api_client, db):
    response = api_client.post(API + "/auth/token", data="email=a", content_type="text/plain")
    assert_error(response, 415)


def test_get_on_a_post_endpoint(api_client, db):
    assert_error(api_client.get(API + "/auth/token"), 405)


def test_code_store_never_holds_the_plain_code(api_client, mailoutbox, sent):
    with sent():
        post(api_client, "/auth/email/validate", {"email": "new@example.com"})
    code = code_in(mailoutbox[-1])
    key = codes._base_key("signup", "new@example.com")
    nonce = cache.get(key)["n"]
    assert code not in repr(cache.get(key)) and code not in repr(cache.get(f"{key}:{nonce}"))
