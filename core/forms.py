from __future__ import annotations

from django import forms

from .errors import ServiceError


def add_service_error(form: forms.BaseForm, exc: ServiceError) -> None:
    """Show a service's error on a form: each message on the field it names,
    or above the form when the field is not on it (or none is named)."""
    for field, messages in (exc.errors or {None: [exc.detail]}).items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, str(message))
