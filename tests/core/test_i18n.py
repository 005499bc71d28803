"""core.i18n: one answer to "is this a supported locale", one error code."""

from __future__ import annotations

import pytest

from core.errors import Invalid
from core.i18n import clean_locale, is_supported_locale, locale_or_default, supported_locales


def test_the_supported_locales_are_the_settings_languages(settings):
    assert supported_locales() == [code for code, _name in settings.LANGUAGES]


@pytest.mark.parametrize(
    ("value", "supported"),
    [
        ("en", True),
        ("ru", True),
        ("RU", False),
        ("ru-RU", False),
        ("de", False),
        ("", False),
        (None, False),
        (["ru"], False),
    ],
)
def test_is_supported_locale(value, supported):
    assert is_supported_locale(value) is supported


@pytest.mark.parametrize("value", ["de", "RU", "", None, 42])
def test_clean_locale_refuses_with_one_code_under_the_given_field(value):
    with pytest.raises(Invalid) as exc:
        clean_locale(value, field="language")
    assert exc.value.code == "locale_invalid" and exc.value.status == 400
    assert list(exc.value.errors) == ["language"]


def test_clean_locale_returns_a_supported_one():
    assert clean_locale("ru") == "ru"


@pytest.mark.parametrize(
    ("hint", "locale"), [("ru", "ru"), ("ru-RU", "ru"), ("RU", "ru"), ("de", "en"), ("", "en"), (None, "en")]
)
def test_a_hint_becomes_its_base_language_or_the_default(settings, hint, locale):
    settings.LANGUAGE_CODE = "en"
    assert locale_or_default(hint) == locale
