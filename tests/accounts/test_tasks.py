"""Account e-mails: queued through the Celery task on commit, rendered from
templates (text and HTML) in the recipient's language."""

from __future__ import annotations

import pytest

from accounts import services
from core.mail import render_message

from .factories import UserFactory, code_in

pytestmark = pytest.mark.django_db
IP = "203.0.113.7"

TEMPLATES = {
    "signup_code": {"email": "a@example.com", "code": "123456", "minutes": 10},
    "account_exists": {"email": "a@example.com", "minutes": 10},
    "password_restore_code": {"email": "a@example.com", "username": "ann", "code": "123456", "minutes": 10},
    "email_change_code": {"email": "a@example.com", "username": "ann", "code": "123456", "minutes": 10},
    "email_change_taken": {"email": "a@example.com", "username": "ann", "minutes": 10},
    "password_changed": {"email": "a@example.com"},
    "email_changed": {"email": "new@example.com", "old_email": "a@example.com"},
}
RUSSIAN_SUBJECTS = {
    "signup_code": "код регистрации",
    "account_exists": "уже есть аккаунт",
    "password_restore_code": "восстановления пароля",
    "email_change_code": "Подтвердите новый адрес",
    "email_change_taken": "уже есть аккаунт",
    "password_changed": "Пароль",
    "email_changed": "Адрес почты",
}


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("locale", ["en", "ru"])
def test_every_template_renders_text_and_html(template, locale):
    message = render_message(
        template=f"accounts/{template}", to=["a@example.com"], context=TEMPLATES[template], locale=locale
    )
    html = message.alternatives[0][0]
    assert message.subject and "\n" not in message.subject
    assert "a@example.com" in message.body and "a@example.com" in html
    assert html.lstrip().startswith("<!doctype html>") and f'lang="{locale}"' in html
    assert "{%" not in message.body and "{{" not in html
    if "code" in TEMPLATES[template]:
        assert "123456" in message.subject and "123456" in message.body and "123456" in html
    if locale == "ru":
        assert RUSSIAN_SUBJECTS[template] in message.subject


def test_text_bodies_are_not_html_escaped():
    message = render_message(
        template="accounts/signup_code",
        to=["o'neil@example.com"],
        context=TEMPLATES["signup_code"] | {"email": "o'neil@example.com"},
        locale="en",
    )
    assert "o'neil@example.com" in message.body
    assert "o&#x27;neil" in message.alternatives[0][0]


def test_codes_are_queued_on_commit_through_the_task(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.signup_code_send(email="new@example.com", ip=IP, locale="en")
    assert len(callbacks) == 1 and mailoutbox == []
    callbacks[0]()  # the task runs eagerly in tests, like a worker would
    [message] = mailoutbox
    assert message.to == ["new@example.com"] and code_in(message)
    assert message.extra_headers["Message-ID"].startswith("<")


def test_restore_mail_is_in_the_users_language(mailoutbox, sent):
    user = UserFactory(locale="ru")
    with sent():
        services.password_restore_request(email=user.email, ip=IP)
    message = mailoutbox[-1]
    assert "Код для восстановления пароля" in message.subject
    assert "Здравствуйте" in message.body and "Здравствуйте" in message.alternatives[0][0]


def test_email_change_mail_is_in_the_users_language_even_at_a_new_address(mailoutbox, sent):
    user = UserFactory(locale="ru")
    with sent():
        services.email_change_request(user=user, email="new@example.com", ip=IP)
    assert mailoutbox[-1].to == ["new@example.com"] and "Подтвердите" in mailoutbox[-1].subject


def test_signup_mail_is_in_the_language_of_the_request(mailoutbox, sent):
    with sent():
        services.signup_code_send(email="new@example.com", ip=IP, locale="ru-RU")
    assert "Добро пожаловать" in mailoutbox[-1].body
    with sent():
        services.signup_code_send(email="other@example.com", ip=IP, locale="de")  # unknown: the default
    assert "Welcome to Walks" in mailoutbox[-1].body
