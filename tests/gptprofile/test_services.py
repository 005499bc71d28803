from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import PASSWORD_MAX_LENGTH, User
from accounts.service_tokens import service_token_create
from accounts.services import token_pair_issue
from core import ratelimit
from core.errors import Gone, Invalid, NotFound, RateLimited
from gptprofile import services
from gptprofile.models import TOKEN_LIFETIME, ProfileEditToken
from tests.factories import DEFAULT_PASSWORD, UserFactory

from .conftest import link_from_mail, make_link

pytestmark = pytest.mark.django_db

NEW_PASSPHRASE = "lantern-orbit-meadow-42"


@pytest.fixture
def init(django_capture_on_commit_callbacks):
    """Call profile_edit_init and let its on-commit e-mail go out."""

    def call(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.profile_edit_init(**kwargs)

    return call


# --- init -----------------------------------------------------------------------------------------


def test_init_by_email_mails_a_hashed_single_link(init, mailoutbox, settings):
    settings.SITE_URL = "https://walks.example"
    user = UserFactory(email="jane@example.com")

    sent = init(email="  JANE@Example.COM ")

    assert sent.expires_in_minutes == 60
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["jane@example.com"]
    link, raw = link_from_mail(message)
    assert link.startswith("https://walks.example/profile/edit/?token=")
    assert len(raw) == 43  # secrets.token_urlsafe(32)
    row = ProfileEditToken.objects.get()
    assert row.user == user
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ProfileEditToken.objects.values_list())
    assert row.expires_at - row.created_at == TOKEN_LIFETIME == timedelta(hours=1)
    assert row.used_at is None


def test_init_by_pin(init, mailoutbox):
    user = UserFactory()
    init(pin=user.pin)
    assert mailoutbox[0].to == [user.email]


def test_the_email_wins_over_the_pin(init, mailoutbox):
    by_email, by_pin = UserFactory(), UserFactory()
    init(email=by_email.email, pin=by_pin.pin)
    assert [m.to for m in mailoutbox] == [[by_email.email]]
    assert ProfileEditToken.objects.get().user == by_email


def test_an_unknown_email_is_not_rescued_by_a_known_pin(init, mailoutbox):
    user = UserFactory()
    with pytest.raises(NotFound) as exc:
        init(email="nobody@example.com", pin=user.pin)
    assert exc.value.code == "user_not_found"
    assert not mailoutbox and not ProfileEditToken.objects.exists()


def test_init_needs_an_identifier(init):
    with pytest.raises(Invalid) as exc:
        init(email=None, pin=None)
    assert exc.value.code == "identifier_required"


@pytest.mark.parametrize("field", ["email", "pin"])
def test_inactive_accounts_look_unknown(init, mailoutbox, field):
    user = UserFactory(is_active=False)
    with pytest.raises(NotFound) as exc:
        init(**{field: getattr(user, field)})
    assert exc.value.code == "user_not_found"
    assert "PIN" in str(exc.value.detail)  # the hint ChatGPT relays
    assert not mailoutbox and not ProfileEditToken.objects.exists()


def test_the_email_is_in_the_users_language(init, mailoutbox):
    user = UserFactory(locale="ru")
    init(email=user.email)
    message = mailoutbox[0]
    assert "Walks" in message.subject and "ссылка" in message.subject.lower()
    assert "Ссылка работает один раз" in message.body


def test_a_newer_link_retires_the_older_ones(init, mailoutbox):
    user = UserFactory()
    init(email=user.email)
    init(email=user.email)
    (_l1, first), (_l2, second) = (link_from_mail(m) for m in mailoutbox)

    with pytest.raises(Gone):
        services.profile_edit_load(token=first)
    assert services.profile_edit_load(token=second)["username"] == user.profile.username
    assert ProfileEditToken.objects.usable().count() == 1


def test_links_per_user_are_rate_limited(init, mailoutbox):
    user = UserFactory()
    for _ in range(ratelimit.limit("gpt-init-user").limit):
        init(pin=user.pin)
    with pytest.raises(RateLimited) as exc:
        init(email=user.email)
    assert exc.value.headers["Retry-After"]
    assert len(mailoutbox) == ratelimit.limit("gpt-init-user").limit
    # Another person is not affected.
    init(email=UserFactory().email)


def test_links_per_service_token_are_rate_limited(init, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "gpt-init-token": (2, 3600)}
    token, _secret = service_token_create(name="ChatGPT", scopes=["gpt"])
    other, _secret = service_token_create(name="Other GPT", scopes=["gpt"])
    init(email=UserFactory().email, service_token=token)
    with pytest.raises(NotFound):  # misses have their own bound (tests/gptprofile/test_init_quota.py)
        init(email="nobody@example.com", service_token=token)
    init(email=UserFactory().email, service_token=token)
    with pytest.raises(RateLimited):
        init(email=UserFactory().email, service_token=token)
    init(email=UserFactory().email, service_token=other)


# --- load --------------------------------------------------------------------------------------------


def test_load_shows_a_masked_profile_and_does_not_use_the_link(db):
    user = UserFactory(email="john.doe@example.com", username="johnny", locale="ru")
    raw = make_link(user)
    for _ in range(3):
        loaded = services.profile_edit_load(token=raw)
    assert loaded["email"] == "j***@e***.com"
    assert loaded["username"] == "johnny"
    assert loaded["locale"] == "ru"
    assert loaded["locales"] == [{"code": "en", "name": "English"}, {"code": "ru", "name": "Русский"}]
    assert ProfileEditToken.objects.get().used_at is None


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("john.doe@example.com", "j***@e***.com"),
        ("a@b.co.uk", "a***@b***.co.uk"),
        ("x@localhost", "x***@l***"),
    ],
)
def test_mask_email(email, masked):
    assert services.mask_email(email) == masked


@pytest.mark.parametrize(
    "token",
    ["", None, 42, "x" * 65, "not-a-token", "A" * 43],
    ids=["empty", "none", "number", "too-long", "junk", "unknown"],
)
def test_load_refuses_tokens_that_are_not_ours(token):
    with pytest.raises(Gone) as exc:
        services.profile_edit_load(token=token)
    assert exc.value.code == "token_invalid"


def test_a_link_lasts_an_hour(db):
    user = UserFactory()
    fresh = make_link(user, age=timedelta(minutes=59))
    stale = make_link(user, age=timedelta(minutes=61))
    assert services.profile_edit_load(token=fresh)
    with pytest.raises(Gone):
        services.profile_edit_load(token=stale)
    with pytest.raises(Gone):
        services.profile_edit_save(token=stale, locale="ru")


def test_a_link_dies_with_its_account(db):
    user = UserFactory()
    raw = make_link(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(Gone):
        services.profile_edit_load(token=raw)


# --- save --------------------------------------------------------------------------------------------


def test_save_changes_locale_and_passphrase_and_retires_the_link(db):
    user = UserFactory()
    raw = make_link(user)

    result = services.profile_edit_save(
        token=raw, locale="ru", passphrase=NEW_PASSPHRASE, passphrase_confirm=NEW_PASSPHRASE
    )

    assert result.locale_changed and result.passphrase_changed
    user.refresh_from_db()
    assert user.locale == "ru"
    assert user.check_password(NEW_PASSPHRASE) and not user.check_password(DEFAULT_PASSWORD)
    assert ProfileEditToken.objects.get().used_at is not None
    with pytest.raises(Gone):
        services.profile_edit_save(token=raw, locale="en")
    with pytest.raises(Gone):
        services.profile_edit_load(token=raw)
    user.refresh_from_db()
    assert user.locale == "ru"


def test_a_new_passphrase_is_announced_by_e_mail(db, mailoutbox, django_capture_on_commit_callbacks):
    user = UserFactory(locale="en")
    with django_capture_on_commit_callbacks(execute=True):
        services.profile_edit_save(token=make_link(user), locale="ru", passphrase=NEW_PASSPHRASE)
    assert [m.to for m in mailoutbox] == [[user.email]]
    assert user.email in mailoutbox[0].body
    assert "/password/restore/" in mailoutbox[0].body


def test_a_new_locale_alone_sends_no_mail(db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.profile_edit_save(token=make_link(UserFactory()), locale="ru")
    assert not mailoutbox


def test_save_locale_only_keeps_the_passphrase(db):
    user = UserFactory()
    services.profile_edit_save(token=make_link(user), locale="ru")
    user.refresh_from_db()
    assert user.locale == "ru" and user.check_password(DEFAULT_PASSWORD)


def test_a_new_passphrase_revokes_refresh_tokens(db):
    user = UserFactory()
    pair = token_pair_issue(user=user)
    services.profile_edit_save(token=make_link(user), passphrase=NEW_PASSPHRASE)
    with pytest.raises(TokenError):
        RefreshToken(pair["refresh"]).check_blacklist()


def test_a_new_locale_alone_keeps_refresh_tokens(db):
    user = UserFactory()
    pair = token_pair_issue(user=user)
    services.profile_edit_save(token=make_link(user), locale="ru")
    RefreshToken(pair["refresh"]).check_blacklist()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({}, None),
        ({"locale": "", "passphrase": ""}, None),
        ({"locale": "de"}, "locale"),
        ({"locale": "RU"}, "locale"),
        ({"passphrase": "short"}, "passphrase"),
        ({"passphrase": "password123"}, "passphrase"),
        ({"passphrase": "84736251907"}, "passphrase"),
        ({"passphrase": "person-example"}, "passphrase"),  # too like the e-mail
        ({"passphrase": "x" * 300}, "passphrase"),
        ({"passphrase": NEW_PASSPHRASE, "passphrase_confirm": NEW_PASSPHRASE + "!"}, "passphrase_confirm"),
        ({"passphrase": NEW_PASSPHRASE, "passphrase_confirm": ""}, "passphrase_confirm"),
        ({"locale": "ru", "passphrase": "short"}, "passphrase"),
    ],
)
def test_invalid_changes_change_nothing_and_keep_the_link(db, changes, field):
    user = UserFactory(email="person-example@example.com")
    raw = make_link(user)

    with pytest.raises(Invalid) as exc:
        services.profile_edit_save(token=raw, **changes)

    if field is None:
        assert exc.value.code == "nothing_to_change"
    else:
        assert field in exc.value.errors
    user.refresh_from_db()
    assert user.locale == "en" and user.check_password(DEFAULT_PASSWORD)
    assert ProfileEditToken.objects.get().used_at is None
    services.profile_edit_save(token=raw, locale="ru")  # still usable


def test_the_passphrase_has_the_one_password_maximum(db):
    user = UserFactory()
    raw = make_link(user)
    with pytest.raises(Invalid) as exc:
        services.profile_edit_save(token=raw, passphrase="lantern-orbit-" * 10)  # 140 characters
    assert list(exc.value.errors) == ["passphrase"]
    longest = "lantern-orbit-meadow-" * 6 + "x" * (PASSWORD_MAX_LENGTH - 126)
    assert len(longest) == PASSWORD_MAX_LENGTH
    assert services.profile_edit_save(token=raw, passphrase=longest).passphrase_changed


def test_purge_deletes_only_long_expired_links(db):
    user = UserFactory()
    make_link(user, age=services.TOKEN_RETENTION + TOKEN_LIFETIME + timedelta(minutes=1))
    recent = make_link(user, age=timedelta(days=1))
    live = make_link(user)
    assert services.edit_tokens_purge() == 1
    assert ProfileEditToken.objects.count() == 2
    assert services.profile_edit_load(token=live)
    with pytest.raises(Gone):
        services.profile_edit_load(token=recent)


def test_purge_task_calls_the_service(db):
    from gptprofile.tasks import purge_profile_edit_tokens

    make_link(UserFactory(), age=timedelta(days=30))
    assert purge_profile_edit_tokens.delay().get() == 1
    assert not ProfileEditToken.objects.filter(expires_at__lt=timezone.now() - timedelta(days=8)).exists()
