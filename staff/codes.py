"""Activation codes a person can read from a chat and type by hand.

Ten symbols from an alphabet without look-alikes (no 0/O, 1/I/L, no U),
about 49 bits from :mod:`secrets`, shown in groups: ``ABCD-EFGH-JK``.
Input is forgiving: spaces, dashes and lower case are accepted, and so are
Cyrillic letters that look like Latin ones (a Russian keyboard layout).
"""

from __future__ import annotations

import secrets

from core.secrets import hash_code

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
LENGTH = 10
GROUPS = (4, 4, 2)
_SEPARATORS = str.maketrans("", "", " \t\r\n-_.\u2010\u2011\u2012\u2013\u2014\u2212\u00a0")
# Cyrillic capitals that look exactly like Latin ones.
_HOMOGLYPHS = str.maketrans("АВЕКМНРСТХУ", "ABEKMHPCTXY")


_LETTERS = "АВЕКМНРСТХУ"
# What code_normalize accepts, as a JSON-schema pattern (for the API schema).
_SEP = "[ \\t\\r\\n\\-_.\u2010-\u2014\u2212\u00a0]"
CODE_PATTERN = f"^{_SEP}*(?:[{ALPHABET}{ALPHABET.lower()}{_LETTERS}{_LETTERS.lower()}]{_SEP}*){{{LENGTH}}}$"


def code_new() -> str:
    """A fresh code in its compact form (no dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def code_display(code: str) -> str:
    """``ABCDEFGHJK`` -> ``ABCD-EFGH-JK``."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start : start + size])
        start += size
    return "-".join(parts)


def code_normalize(raw: str) -> str | None:
    """The compact form of what a person typed, or None if it cannot be a code."""
    if not isinstance(raw, str) or len(raw) > 64:
        return None
    compact = raw.translate(_SEPARATORS).upper().translate(_HOMOGLYPHS)
    if len(compact) != LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return compact


def code_hash(code: str, *, user_id: int) -> str:
    """The stored form: keyed, and bound to the user it was issued for."""
    return hash_code(code, context=f"staff-activation:{user_id}")
