"""The site's languages: which locales are supported, in one place.

A locale a person *chooses* (a profile setting, an API field) goes through
:func:`clean_locale`, which refuses anything else with one error code,
``locale_invalid``. A language that is only a *hint* (the language of a
request, a ``?lang=`` in a link) is checked with :func:`is_supported_locale`
and ignored when it is not one of ours, or turned into one by
:func:`locale_or_default`.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import Invalid

LOCALE_INVALID = "locale_invalid"


def supported_locales() -> list[str]:
    """The codes of ``settings.LANGUAGES``, in their order."""
    return [code for code, _name in settings.LANGUAGES]


def is_supported_locale(value: object) -> bool:
    """Whether ``value`` is exactly one of the site's language codes (``"ru"``, not ``"RU"`` or ``"ru-RU"``)."""
    return isinstance(value, str) and value in supported_locales()


def clean_locale(value: object, *, field: str = "locale") -> str:
    """``value`` if it is a supported locale; otherwise :class:`Invalid`
    (``locale_invalid``) with the message under ``errors[field]``."""
    if not isinstance(value, str) or not is_supported_locale(value):
        message = _("Unknown language. Choose one of: %(codes)s.") % {"codes": ", ".join(supported_locales())}
        raise Invalid(message, code=LOCALE_INVALID, errors={field: [message]})
    return value


def locale_or_default(value: object) -> str:
    """A language hint as a supported locale: its base language (``"ru-RU"``
    -> ``"ru"``) when that is one of ours, else ``settings.LANGUAGE_CODE``."""
    base = value.split("-")[0].lower() if isinstance(value, str) else ""
    return base if is_supported_locale(base) else settings.LANGUAGE_CODE
