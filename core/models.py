from __future__ import annotations

from django.db import models


class SentEmail(models.Model):
    """The idempotency keys of the e-mails already handed to the provider.

    Kept in the database, not the cache: a cache restart, an eviction or the
    end of a TTL must not make a redelivered task send a message again.
    """

    key = models.CharField(max_length=200, unique=True)
    message_id = models.CharField(max_length=255)
    sent_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return self.key
