from __future__ import annotations

from celery import shared_task


@shared_task(name="accounts.password_restore_send", acks_late=True)
def password_restore_send(*, email: str) -> None:
    """The second half of a restore request: the worker, not the request,
    looks the address up (see accounts.services.password_restore_request)."""
    from . import services

    services.password_restore_send(email=email)
