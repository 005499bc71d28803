"""Names folded for matching: the same film typed by another site, in
another case, with or without accents, punctuation or a leading article,
folds to the same key."""

from __future__ import annotations

import re
import unicodedata

# Leading articles that sites drop or move ("Godfather, The").
ARTICLES = frozenset({"the", "a", "an", "le", "la", "les", "l", "el", "los", "las", "der", "die", "das", "il", "lo"})
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def name_key(name: str) -> str:
    """``"The Godfather: Part II"`` → ``"godfather part ii"``; ``"Amélie"`` → ``"amelie"``."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("&", " and ")
    words = _NOT_WORD.sub(" ", text).replace("_", " ").split()
    if len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    elif len(words) > 1 and words[-1] in ARTICLES and name.rstrip().rsplit(",", 1)[-1].strip().casefold() == words[-1]:
        words = words[:-1]  # "Godfather, The"
    return " ".join(words)[:200]
