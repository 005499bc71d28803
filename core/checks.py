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


@checks.register(checks.Tags.security)
def check_trusted_proxies(app_configs, **kwargs):
    """DJANGO_TRUSTED_PROXIES must parse: a typo would silently trust nobody (or everybody)."""
    from .ratelimit import trusted_proxies

    try:
        trusted_proxies()
    except ValueError as exc:
        return [
            checks.Error(
                f"DJANGO_TRUSTED_PROXIES has an entry that is not an IP address or network: {exc}",
                hint="A comma-separated list of addresses or CIDRs, e.g. 127.0.0.1,10.0.0.0/8.",
                id="core.E020",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_proxy_without_trusted_proxies(app_configs, **kwargs):
    """Behind a TLS proxy with no trusted proxy, every visitor has the proxy's
    address: one client's failures rate-limit everyone."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.TRUSTED_PROXIES:
        return [
            checks.Warning(
                "DJANGO_BEHIND_TLS_PROXY is on but DJANGO_TRUSTED_PROXIES is empty: every client is counted "
                "under the proxy's address by the rate limits.",
                hint="Set DJANGO_TRUSTED_PROXIES to the proxy's address (e.g. 127.0.0.1) and have it send "
                "X-Forwarded-For (nginx: proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;).",
                id="core.W020",
            )
        ]
    return []
