"""Account services, called directly: the rules both doors share."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from kombu.exceptions import OperationalError
from PIL import Image
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken

from accounts import codes, services
from accounts.models import PASSWORD_MAX_LENGTH, Profile, User
from core.errors import Conflict, Invalid, NotAuthenticated, PayloadTooLarge, RateLimited, Unavailable

from .factories import DEFAULT_PASSWORD, NEW_PASSWORD, UserFactory, code_in, expire_code, image_upload, other_code

pytestmark = pytest.mark.django_db
IP = "203.0.113.7"


# --- The code store ---------------------------------------------------------------------------------


class TestCodes:
    def test_a_code_matches_once(self):
        code = codes.code_issue(purpose="signup", subject="a@example.com")
        assert len(code) == 6 and code.isdigit()
        checked = codes.code_check(purpose="signup", subject="a@example.com", code=code)
        assert checked is not None
        assert codes.code_consume(checked) is True
        assert codes.code_consume(checked) is False
        assert codes.code_check(purpose="signup", subject="a@example.com", code=code) is None

    def test_five_wrong_tries_kill_the_code(self):
        code = codes.code_issue(purpose="restore", subject="a@example.com")
        for _ in range(5):
            assert codes.code_check(purpose="restore", subject="a@example.com", code=other_code(code)) is None
        assert codes.code_check(purpose="restore", subject="a@example.com", code=code) is None

    def test_the_fifth_try_may_still_be_right(self):
        code = codes.code_issue(purpose="restore", subject="a@example.com")
        for _ in range(4):
            codes.code_check(purpose="restore", subject="a@example.com", code=other_code(code))
        assert codes.code_check(purpose="restore", subject="a@example.com", code=code) is not None

    def test_bound_to_purpose_and_subject(self):
        code = codes.code_issue(purpose="signup", subject="a@example.com")
        assert codes.code_check(purpose="restore", subject="a@example.com", code=code) is None
        assert codes.code_check(purpose="signup", subject="b@example.com", code=code) is None
        assert codes.code_check(purpose="signup", subject="A@Example.com", code=code) is not None

    def test_expired_code_does_not_match(self):
        code = codes.code_issue(purpose="signup", subject="a@example.com")
        expire_code(purpose="signup", subject="a@example.com")
        assert codes.code_check(purpose="signup", subject="a@example.com", code=code) is None

    def test_lifetime_comes_from_settings(self, settings):
        settings.ACCOUNTS_CODE_TTL = 120
        codes.code_issue(purpose="signup", subject="a@example.com")
        entry = cache.get(codes._base_key("signup", "a@example.com"))
        import time

        assert 110 < entry["exp"] - time.time() <= 120

    def test_a_new_code_retires_the_old_one(self):
        old = codes.code_issue(purpose="signup", subject="a@example.com")
        new = codes.code_issue(purpose="signup", subject="a@example.com")
        if old != new:
            assert codes.code_check(purpose="signup", subject="a@example.com", code=old) is None
        assert codes.code_check(purpose="signup", subject="a@example.com", code=new) is not None

    def test_only_a_keyed_hash_is_stored(self):
        code = codes.code_issue(purpose="signup", subject="a@example.com")
        key = codes._base_key("signup", "a@example.com")
        nonce = cache.get(key)["n"]
        stored = cache.get(f"{key}:{nonce}")
        assert code not in stored and len(stored) == 64


class TestCodeSending:
    def test_one_send_per_ten_seconds_per_address(self, mailoutbox, sent):
        with sent():
            services.signup_code_send(email="new@example.com", ip=IP, locale="en")
        with pytest.raises(RateLimited) as exc:
            services.signup_code_send(email="NEW@example.com", ip="198.51.100.1", locale="en")
        assert exc.value.code == "code_sent_recently" and 1 <= exc.value.retry_after <= 10
        # The interval is per address, whatever the purpose.
        with pytest.raises(RateLimited):
            services.password_restore_request(email="new@example.com", ip=IP)
        assert len(mailoutbox) == 1
        codes.send_mark_release("new@example.com")
        with sent():
            services.signup_code_send(email="new@example.com", ip=IP, locale="en")
        assert len(mailoutbox) == 2

    def test_per_ip_cap(self, settings, sent):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "code-send-ip": (2, 3600)}
        with sent():
            services.signup_code_send(email="a@example.com", ip=IP, locale="en")
            services.signup_code_send(email="b@example.com", ip=IP, locale="en")
        with pytest.raises(RateLimited):
            services.signup_code_send(email="c@example.com", ip=IP, locale="en")
        with sent():
            services.signup_code_send(email="c@example.com", ip="198.51.100.1", locale="en")

    def test_per_address_hourly_cap(self, settings, sent):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "code-send-address": (2, 3600)}
        for _ in range(2):
            with sent():
                services.signup_code_send(email="a@example.com", ip=IP, locale="en")
            codes.send_mark_release("a@example.com")
        with pytest.raises(RateLimited):
            services.signup_code_send(email="a@example.com", ip=IP, locale="en")

    def test_taken_email_gets_a_notice_instead_of_a_code(self, user, mailoutbox, sent):
        with sent():
            services.signup_code_send(email=user.email.upper(), ip=IP, locale="en")
        [message] = mailoutbox
        assert message.to == [user.email]
        assert "already have" in message.subject
        assert not re.search(r"\b\d{6}\b", message.body)
        # A live code nobody received: a guess answers "wrong" as for a free address.
        assert cache.get(codes._base_key("signup", user.email)) is not None

    def test_restore_for_unknown_email_sends_nothing(self, mailoutbox, sent):
        with sent():
            services.password_restore_request(email="nobody@example.com", ip=IP)
        assert mailoutbox == []
        # ... but counts against the limits like a real one.
        with pytest.raises(RateLimited):
            services.password_restore_request(email="nobody@example.com", ip=IP)


@pytest.mark.django_db(transaction=True)
def test_a_code_that_cannot_be_queued_is_forgotten_and_the_person_told(monkeypatch, mailoutbox):
    """The broker is the outside edge: it refuses the message."""
    from core.tasks import send_email

    def refuse(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(send_email, "apply_async", refuse)
    with pytest.raises(Unavailable) as exc:
        services.signup_code_send(email="new@example.com", ip=IP, locale="en")
    assert exc.value.status == 503 and exc.value.code == "email_unavailable"
    assert cache.get(codes._base_key("signup", "new@example.com")) is None
    # The person may retry at once: the 10-second mark was released.
    monkeypatch.undo()
    services.signup_code_send(email="new@example.com", ip=IP, locale="en")
    assert len(mailoutbox) == 1


# --- Sign-up --------------------------------------------------------------------------------------------


def _signup_code(email: str, mailoutbox, sent) -> str:
    with sent():
        services.signup_code_send(email=email, ip=IP, locale="en")
    return code_in(mailoutbox[-1])


class TestSignUp:
    def test_creates_user_and_profile_in_the_request_language(self, mailoutbox, sent):
        code = _signup_code("New@Example.com", mailoutbox, sent)
        user = services.user_sign_up(
            email="new@example.com", username="Newbie", password=DEFAULT_PASSWORD, code=code, locale="ru"
        )
        user.refresh_from_db()
        assert user.email == "new@example.com" and user.check_password(DEFAULT_PASSWORD)
        assert user.profile.username == "Newbie" and user.locale == "ru"
        assert 100_000 <= user.pin <= 999_999

    def test_code_is_single_use(self, mailoutbox, sent):
        code = _signup_code("new@example.com", mailoutbox, sent)
        services.user_sign_up(
            email="new@example.com", username="one", password=DEFAULT_PASSWORD, code=code, locale="en"
        )
        User.objects.filter(email="new@example.com").delete()
        with pytest.raises(Invalid) as exc:
            services.user_sign_up(
                email="new@example.com", username="two", password=DEFAULT_PASSWORD, code=code, locale="en"
            )
        assert exc.value.code == "code_expired"
        assert not User.objects.exists()

    def test_taken_username_is_409_and_keeps_the_code(self, mailoutbox, sent):
        UserFactory(username="Taken")
        code = _signup_code("new@example.com", mailoutbox, sent)
        with pytest.raises(Conflict) as exc:
            services.user_sign_up(
                email="new@example.com", username="tAKEN", password=DEFAULT_PASSWORD, code=code, locale="en"
            )
        assert exc.value.code == "username_taken" and "username" in exc.value.errors
        services.user_sign_up(
            email="new@example.com", username="free", password=DEFAULT_PASSWORD, code=code, locale="en"
        )

    @pytest.mark.parametrize("username", ["ab", "x" * 31, "with space", "emoji😀", "кириллица", "@me"])
    def test_username_shape(self, username, mailoutbox, sent):
        code = _signup_code("new@example.com", mailoutbox, sent)
        with pytest.raises(Invalid) as exc:
            services.user_sign_up(
                email="new@example.com", username=username, password=DEFAULT_PASSWORD, code=code, locale="en"
            )
        assert exc.value.code == "username_invalid"
        assert not User.objects.exists()

    @pytest.mark.parametrize("password", ["short1", "12345678901", "password123", "new@example.com"])
    def test_password_validators(self, password, mailoutbox, sent):
        code = _signup_code("new@example.com", mailoutbox, sent)
        with pytest.raises(Invalid) as exc:
            services.user_sign_up(email="new@example.com", username="newbie", password=password, code=code, locale="en")
        assert exc.value.code == "password_invalid" and exc.value.errors["password"]
        assert not User.objects.exists()

    def test_email_taken_meanwhile_is_409(self, mailoutbox, sent):
        code = _signup_code("new@example.com", mailoutbox, sent)
        UserFactory(email="new@example.com")
        with pytest.raises(Conflict) as exc:
            services.user_sign_up(
                email="new@example.com", username="newbie", password=DEFAULT_PASSWORD, code=code, locale="en"
            )
        assert exc.value.code == "email_taken"
        assert User.objects.count() == 1


# --- Sign-in and tokens ---------------------------------------------------------------------------------


class TestAuthenticate:
    def test_right_password(self, user):
        assert services.user_authenticate(email=user.email.upper(), password=DEFAULT_PASSWORD, ip=IP) == user

    def test_unknown_email_and_wrong_password_are_the_same_error(self, user):
        with pytest.raises(NotAuthenticated) as unknown:
            services.user_authenticate(email="nobody@example.com", password=DEFAULT_PASSWORD, ip=IP)
        with pytest.raises(NotAuthenticated) as wrong:
            services.user_authenticate(email=user.email, password="wrong-password", ip=IP)
        assert unknown.value.as_payload() == wrong.value.as_payload()
        assert wrong.value.code == "invalid_credentials"

    def test_inactive_account_cannot_sign_in(self):
        user = UserFactory(is_active=False)
        with pytest.raises(NotAuthenticated):
            services.user_authenticate(email=user.email, password=DEFAULT_PASSWORD, ip=IP)

    def test_account_locked_after_five_failures_even_with_the_right_password(self, user):
        for i in range(5):
            with pytest.raises(NotAuthenticated):
                services.user_authenticate(email=user.email, password="wrong", ip=f"198.51.100.{i}")
        with pytest.raises(RateLimited):
            services.user_authenticate(email=user.email, password=DEFAULT_PASSWORD, ip="192.0.2.1")

    def test_ip_locked_after_ten_failures_across_accounts(self, user):
        for i in range(10):
            with pytest.raises(NotAuthenticated):
                services.user_authenticate(email=f"nobody{i}@example.com", password="wrong", ip=IP)
        with pytest.raises(RateLimited):
            services.user_authenticate(email=user.email, password=DEFAULT_PASSWORD, ip=IP)
        assert services.user_authenticate(email=user.email, password=DEFAULT_PASSWORD, ip="192.0.2.1") == user


class TestTokens:
    def test_access_expires_at_is_the_tokens_own_exp(self, user):
        pair = services.token_pair_issue(user=user)
        access = AccessToken(pair["access"])
        assert pair["access_expires_at"] == access["exp"]
        assert 14 * 60 <= access["exp"] - access["iat"] <= 15 * 60

    def test_refresh_rotates_and_the_old_one_dies(self, user):
        first = services.token_pair_issue(user=user)
        second = services.token_pair_refresh(refresh=first["refresh"])
        assert second["refresh"] != first["refresh"]
        with pytest.raises(NotAuthenticated) as exc:
            services.token_pair_refresh(refresh=first["refresh"])
        assert exc.value.code == "token_invalid"
        with pytest.raises(NotAuthenticated):  # the reuse ended the whole family
            services.token_pair_refresh(refresh=second["refresh"])

    def test_garbage_refresh(self, db):
        with pytest.raises(NotAuthenticated):
            services.token_pair_refresh(refresh="not-a-token")

    def test_revoke(self, user):
        pair = services.token_pair_issue(user=user)
        services.token_refresh_revoke(refresh=pair["refresh"])
        with pytest.raises(NotAuthenticated):
            services.token_pair_refresh(refresh=pair["refresh"])
        with pytest.raises(NotAuthenticated):
            services.token_refresh_revoke(refresh=pair["refresh"])

    def test_refresh_of_an_inactive_user_fails(self, user):
        pair = services.token_pair_issue(user=user)
        User.objects.filter(pk=user.pk).update(is_active=False)
        with pytest.raises(NotAuthenticated):
            services.token_pair_refresh(refresh=pair["refresh"])


# --- Passwords --------------------------------------------------------------------------------------------


class TestPasswordRestore:
    def test_restore_sets_the_password_and_revokes_everything(self, user, mailoutbox, sent, client):
        client.force_login(user)
        pair = services.token_pair_issue(user=user)
        with sent():
            services.password_restore_request(email=user.email, ip=IP)
        code = code_in(mailoutbox[-1])
        with sent():
            services.password_restore_confirm(email=user.email, code=code, new_password=NEW_PASSWORD)
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert BlacklistedToken.objects.filter(token__user=user).count() == 1
        with pytest.raises(NotAuthenticated):
            services.token_pair_refresh(refresh=pair["refresh"])
        # The old browser session no longer authenticates.
        assert client.get("/settings/").status_code == 302
        assert "changed" in mailoutbox[-1].subject

    def test_wrong_code_writes_nothing(self, user, mailoutbox, sent):
        with sent():
            services.password_restore_request(email=user.email, ip=IP)
        code = code_in(mailoutbox[-1])
        with pytest.raises(Invalid) as exc:
            services.password_restore_confirm(email=user.email, code=other_code(code), new_password=NEW_PASSWORD)
        assert exc.value.code == "code_invalid"
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)

    def test_unknown_email_fails_like_a_wrong_code(self, db, django_capture_on_commit_callbacks):
        # Asked for: a live code nobody received (the task stores one), so a guess is "wrong" as for an account.
        with django_capture_on_commit_callbacks(execute=True):
            services.password_restore_request(email="nobody@example.com", ip=IP)
        with pytest.raises(Invalid) as exc:
            services.password_restore_confirm(email="nobody@example.com", code="123456", new_password=NEW_PASSWORD)
        assert exc.value.code == "code_invalid" and exc.value.extra == {"tries_left": 4}


class TestPasswordChange:
    def test_change_revokes_other_sessions_and_refresh_tokens(self, user, client, sent, mailoutbox):
        client.force_login(user)
        pair = services.token_pair_issue(user=user)
        with sent():
            services.user_password_change(user=user, current_password=DEFAULT_PASSWORD, new_password=NEW_PASSWORD)
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        with pytest.raises(NotAuthenticated):
            services.token_pair_refresh(refresh=pair["refresh"])
        assert client.get("/settings/").status_code == 302
        assert mailoutbox[-1].to == [user.email] and "changed" in mailoutbox[-1].subject

    def test_wrong_current_password(self, user):
        with pytest.raises(Invalid) as exc:
            services.user_password_change(user=user, current_password="nope", new_password=NEW_PASSWORD)
        assert exc.value.code == "password_incorrect" and "current_password" in exc.value.errors
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)

    def test_wrong_current_password_is_attempt_limited(self, user):
        for _ in range(5):
            with pytest.raises(Invalid):
                services.user_password_change(user=user, current_password="nope", new_password=NEW_PASSWORD)
        with pytest.raises(RateLimited):
            services.user_password_change(user=user, current_password=DEFAULT_PASSWORD, new_password=NEW_PASSWORD)


class TestPasswordSet:
    """accounts.services.password_set: the one way a password is set, by every door."""

    def test_sets_revokes_and_notifies_after_commit(self, user, client, mailoutbox, django_capture_on_commit_callbacks):
        client.force_login(user)
        pair = services.token_pair_issue(user=user)
        with django_capture_on_commit_callbacks(execute=True):
            services.password_set(user=user, password=NEW_PASSWORD)
            assert mailoutbox == []  # the notice waits for the commit
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        with pytest.raises(NotAuthenticated):
            services.token_pair_refresh(refresh=pair["refresh"])
        assert client.get("/settings/").status_code == 302  # the other session ended
        assert mailoutbox[-1].to == [user.email] and "changed" in mailoutbox[-1].subject

    def test_keeps_the_requests_own_session(self, user, client, rf):
        client.force_login(user)
        request = rf.post("/")
        request.session = client.session
        old_key = request.session.session_key
        services.password_set(user=user, password=NEW_PASSWORD, request=request)
        request.session.save()
        assert request.session.session_key != old_key
        client.cookies["sessionid"] = request.session.session_key
        assert client.get("/settings/").status_code == 200

    def test_without_notice_and_with_other_fields(self, user, mailoutbox, sent):
        user.locale = "ru"
        with sent():
            services.password_set(user=user, password=NEW_PASSWORD, notify=False, update_fields=["locale"])
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD) and user.locale == "ru"
        assert mailoutbox == []

    @pytest.mark.parametrize("password", ["short", "x" * (PASSWORD_MAX_LENGTH + 1)])
    def test_a_refused_password_changes_nothing(self, user, password):
        pair = services.token_pair_issue(user=user)
        with pytest.raises(Invalid) as exc:
            services.password_set(user=user, password=password, field="new_password")
        assert exc.value.code == "password_invalid" and list(exc.value.errors) == ["new_password"]
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)
        services.token_pair_refresh(refresh=pair["refresh"])  # still alive

    def test_the_maximum_length_is_allowed(self, user):
        services.password_set(user=user, password="long-passphrase-" * (PASSWORD_MAX_LENGTH // 16))
        assert PASSWORD_MAX_LENGTH == 128


# --- E-mail change -------------------------------------------------------------------------------------------


class TestEmailChange:
    def _code(self, user, email, mailoutbox, sent):
        with sent():
            services.email_change_request(user=user, email=email, ip=IP)
        return code_in(mailoutbox[-1])

    def test_change(self, user, mailoutbox, sent):
        old = user.email
        code = self._code(user, "New@Example.com", mailoutbox, sent)
        assert mailoutbox[-1].to == ["new@example.com"]
        with sent():
            services.user_email_change(user=user, email="new@example.com", password=DEFAULT_PASSWORD, code=code)
        user.refresh_from_db()
        assert user.email == "new@example.com"
        assert mailoutbox[-1].to == [old] and "changed" in mailoutbox[-1].subject

    def test_code_is_bound_to_the_user(self, user, mailoutbox, sent):
        code = self._code(user, "new@example.com", mailoutbox, sent)
        other = UserFactory()
        with pytest.raises(Invalid):
            services.user_email_change(user=other, email="new@example.com", password=DEFAULT_PASSWORD, code=code)

    def test_taken_address_gets_a_notice_not_a_code(self, user, mailoutbox, sent):
        taken = UserFactory()
        with sent():
            services.email_change_request(user=user, email=taken.email, ip=IP)
        assert mailoutbox[-1].to == [taken.email] and "already" in mailoutbox[-1].subject

    def test_taken_meanwhile_is_409(self, user, mailoutbox, sent):
        code = self._code(user, "new@example.com", mailoutbox, sent)
        UserFactory(email="new@example.com")
        with pytest.raises(Conflict) as exc:
            services.user_email_change(user=user, email="new@example.com", password=DEFAULT_PASSWORD, code=code)
        assert exc.value.code == "email_taken"
        user.refresh_from_db()
        assert user.email != "new@example.com"

    def test_wrong_password(self, user, mailoutbox, sent):
        code = self._code(user, "new@example.com", mailoutbox, sent)
        with pytest.raises(Invalid) as exc:
            services.user_email_change(user=user, email="new@example.com", password="wrong", code=code)
        assert exc.value.code == "password_incorrect"

    def test_same_address(self, user):
        with pytest.raises(Invalid) as exc:
            services.email_change_request(user=user, email=user.email.upper(), ip=IP)
        assert exc.value.code == "email_unchanged"


# --- Profile ------------------------------------------------------------------------------------------------


class TestProfile:
    def test_update(self, user):
        services.profile_update(
            user=user,
            username="Renamed",
            bio="  Hi  ",
            links=["https://example.com/me", "", "https://example.com/me"],
            locale="ru",
        )
        user.refresh_from_db()
        assert user.locale == "ru"
        assert (user.profile.username, user.profile.bio, user.profile.links) == (
            "Renamed",
            "Hi",
            ["https://example.com/me"],
        )

    def test_changing_only_the_case_of_my_own_name(self, db):
        user = UserFactory(username="casey")
        services.profile_update(user=user, username="Casey")
        assert Profile.objects.get(user=user).username == "Casey"

    @pytest.mark.parametrize(
        "links", [["javascript:alert(1)"], ["ftp://example.com"], ["https://e.com/" + "x" * 200], ["not a url"]]
    )
    def test_bad_links(self, user, links):
        with pytest.raises(Invalid) as exc:
            services.profile_update(user=user, links=links)
        assert exc.value.code == "links_invalid"
        assert Profile.objects.get(user=user).links == []

    def test_too_many_links(self, user):
        with pytest.raises(Invalid):
            services.profile_update(user=user, links=[f"https://example.com/{i}" for i in range(6)])

    def test_bad_locale(self, user):
        with pytest.raises(Invalid):
            services.profile_update(user=user, locale="de")

    def test_avatar_is_square_webp_and_replaces_the_old_file(self, user, sent):
        profile = services.profile_avatar_set(user=user, upload=image_upload())
        first = profile.avatar.name
        with profile.avatar.open("rb") as fh, Image.open(fh) as img:
            assert img.format == "WEBP" and img.size == (512, 512)
        storage = profile.avatar.storage
        with sent():
            profile = services.profile_avatar_set(user=user, upload=image_upload())
        assert profile.avatar.name != first
        assert storage.exists(profile.avatar.name) and not storage.exists(first)

    def test_not_an_image(self, user):
        with pytest.raises(Invalid) as exc:
            services.profile_avatar_set(user=user, upload=image_upload("x.png", b"%PDF-1.4 not an image"))
        assert exc.value.code == "invalid_image"
        assert not Profile.objects.get(user=user).avatar

    def test_too_large(self, user, settings):
        settings.MAX_UPLOAD_BYTES = 1000
        with pytest.raises(PayloadTooLarge):
            services.profile_avatar_set(user=user, upload=image_upload())
        assert not Profile.objects.get(user=user).avatar

    def test_remove(self, user):
        services.profile_avatar_set(user=user, upload=image_upload())
        services.profile_avatar_remove(user=user)
        assert not Profile.objects.get(user=user).avatar


def test_argon2_is_the_configured_hasher():
    import config.settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
