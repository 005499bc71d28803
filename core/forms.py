from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext

from .errors import ServiceError


def add_service_error(form: forms.BaseForm, exc: ServiceError) -> None:
    """Show a service's error on a form: each message on the field it names,
    or above the form when the field is not on it (or none is named)."""
    for field, messages in (exc.errors or {None: [exc.detail]}).items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, str(message))


# The query parameter a too-large upload comes back with (core.middleware):
# the form it came from shows the error, the person still signed in.
UPLOAD_TOO_LARGE = "upload_too_large"


def _too_large_message() -> str:
    return gettext("The file is too large: at most %(mb)d MB.") % {"mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024)}


too_large_message = lazy(_too_large_message, str)


def image_input(**attrs) -> forms.ClearableFileInput:
    """A file input for images that static/js/walks.js checks before upload
    (size) and previews (``data-preview``, a selector of an <img>)."""
    return forms.ClearableFileInput(
        attrs={
            "accept": "image/jpeg,image/png,image/webp",
            "data-max-bytes": str(settings.MAX_UPLOAD_BYTES),
            "data-too-big": too_large_message(),
            **attrs,
        }
    )


def show_error(form: forms.BaseForm, field: str | None, message: str) -> None:
    """An error on a form that was not posted (brought back by a redirect)."""
    if not hasattr(form, "cleaned_data"):
        form.cleaned_data = {}
    form.add_error(field, message)


def mark_upload_too_large(request, form: forms.BaseForm, field: str) -> None:
    if request.GET.get(UPLOAD_TOO_LARGE):
        show_error(form, field, too_large_message())
