from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from linking import services
from linking.models import LinkSecret


def offer(a, b):
    """A offers to join B's group; returns the CreatedOffer (with the secret)."""
    return services.link_offer_create(user=a, email=b.email)


def link(a, b):
    """A joins B's group."""
    created = offer(a, b)
    services.link_confirm(user=b, secret=created.secret)
    a.refresh_from_db()
    b.refresh_from_db()
    return created


def age(created_or_offer, *, days: int = 8) -> None:
    """Move an offer past its expiry."""
    pk = getattr(created_or_offer, "offer", created_or_offer).pk
    LinkSecret.objects.filter(pk=pk).update(expires_at=timezone.now() - timedelta(days=days - 7, seconds=1))
