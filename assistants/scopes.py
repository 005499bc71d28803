"""The two scopes an assistant can be granted, described for people."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

READ = "walks:read"
WRITE = "walks:write"

SCOPE_LABELS = {
    READ: _("See the catalogue and your walks and reviews"),
    WRITE: _(
        "Record, change and remove your walks and reviews, and e-mail you a link to change your language or password"
    ),
}


def scope_labels(scopes) -> list[str]:
    return [str(SCOPE_LABELS[s]) for s in scopes if s in SCOPE_LABELS]
