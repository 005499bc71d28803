"""The key that signs sessions, JWTs and code hashes when the environment
brings none, and the rule that keeps the key committed to the repository off a
public host.

Imported by ``config.settings`` before Django is set up.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# The embedded key of earlier versions. It is in the repository, so anyone can
# sign a session or a JWT with it; it is refused on a public host.
COMMITTED_KEY = "embedded-insecure-key-only-for-local-use-" + "x" * 16
KNOWN_KEYS = frozenset({COMMITTED_KEY})

_LOOPBACK_NAMES = {"localhost", "testserver"}  # testserver: Django's test client


def host_is_loopback(host: str) -> bool:
    host = host.strip().lower().lstrip(".")  # ".localhost" allows the subdomains too
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def hosts_are_loopback(hosts: Iterable[str]) -> bool:
    """True when every allowed host name is this machine (``"*"`` is not)."""
    return all(host_is_loopback(host) for host in hosts)


def key_refused(key: str, *, debug: bool, allowed_hosts: Iterable[str]) -> bool:
    """A known key is fine for a laptop (debug on, or loopback hosts only)
    and never for a site others can reach."""
    return key in KNOWN_KEYS and not debug and not hosts_are_loopback(allowed_hosts)


def load_or_create(path: Path) -> str:
    """The key stored in ``path``; on the first start, a new random key
    written there, readable by the owner only (mode 0600).

    Worker processes starting at once agree on one key: each writes a
    complete temporary file and hard-links it to ``path``; the link is atomic
    and fails for every process but the first, which then read the winner's key.
    """
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _unusable(path, exc) from exc
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_urlsafe(50) + "\n")
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):  # another process was first: use its key
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
        return _read(path)
    except OSError as exc:
        raise _unusable(path, exc) from exc


def _read(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise _unusable(path, "it is empty; delete it and a new key is generated")
    return key


def _unusable(path: Path, reason: object) -> ImproperlyConfigured:
    return ImproperlyConfigured(
        f"The secret key file {path} cannot be used ({reason}). "
        "Set DJANGO_SECRET_KEY, or DJANGO_SECRET_KEY_FILE to a path this process can write."
    )
