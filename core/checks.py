"""System checks of the deployment's settings."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from .secret_key import key_refused


@checks.register(checks.Tags.security)
def check_known_secret_key(app_configs, **kwargs):
    """The same rule ``config.settings`` applies at start, for settings changed
    afterwards (a settings override, a test)."""
    keys = {"SECRET_KEY": settings.SECRET_KEY, "SIMPLE_JWT['SIGNING_KEY']": settings.SIMPLE_JWT.get("SIGNING_KEY", "")}
    return [
        checks.Error(
            f"{name} is the key committed to the repository, on a site others can reach.",
            hint="Set DJANGO_SECRET_KEY (and JWT_SIGNING_KEY, if used) to a secret value, or leave "
            "DJANGO_SECRET_KEY unset on a single-machine install to have a random key kept in var/secret_key.",
            id="core.E001",
        )
        for name, key in keys.items()
        if key_refused(key, debug=settings.DEBUG, allowed_hosts=settings.ALLOWED_HOSTS)
    ]
