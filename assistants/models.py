"""What assistants did through MCP, attributed to the OAuth client that did it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class McpWrite(models.Model):
    """One write made through an MCP tool: who, through which client, what, when.

    The client's name is kept beside the foreign key so the row still says who
    did it after the client is deleted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    application = models.ForeignKey(
        "oauth2_provider.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("client"),
    )
    client_name = models.CharField(_("client name"), max_length=255, blank=True)
    tool = models.CharField(_("tool"), max_length=64)
    title = models.ForeignKey(
        "catalog.Title", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("title")
    )
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("MCP write")
        verbose_name_plural = _("MCP writes")
        indexes = [
            models.Index(fields=["user", "-at"], name="mcpwrite_user_recent"),
            models.Index(fields=["application", "-at"], name="mcpwrite_client_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.client_name}: {self.tool} ({self.user_id})"
