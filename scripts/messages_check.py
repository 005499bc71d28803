"""Check that every translatable string has a current Russian translation.

    python scripts/messages_check.py           # exit 1 and list the problems
    python scripts/messages_check.py --update  # makemessages in place, then compilemessages

The strings are extracted with Django's makemessages into a temporary copy of
the tree, with a ``locale/`` directory made for every app, so each app's
strings land in its own catalogue (``<app>/locale/ru/LC_MESSAGES/django.po``)
and only ``config/`` and ``templates/`` in the project's ``locale/``. The
committed catalogues are then compared with that extraction. Problems:

- a string in the code that its app's catalogue lacks (or an app with strings
  and no catalogue at all);
- an entry in a catalogue whose string is no longer in that app's code (stale,
  or kept in another app's catalogue);
- an empty translation (any plural form) or a fuzzy one;
- a ``.po`` that ``msgfmt --check-format`` refuses;
- a ``.mo`` that is missing or does not hold what the ``.po`` compiles to
  (compared by content, since a checkout does not keep file times).

Needs GNU gettext (``msgfmt``, ``xgettext``, ``msgmerge``): Debian package ``gettext``.
"""

from __future__ import annotations

import argparse
import gettext
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LANGUAGE = "ru"
CATALOGUE = Path("locale") / LANGUAGE / "LC_MESSAGES" / "django.po"
# Not shipped code: their strings are not translated.
IGNORE = ["tests/*", "bench/*", "scripts/*", "docs/*", "var/*", "static/*", "node_modules/*"]
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "venv", "var", "__pycache__", "node_modules", "*.mo", "*.pyc")


# --- Reading a .po file ----------------------------------------------------------------------------


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str]:
        return self.msgctxt, self.msgid or ""

    def label(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"{self.msgid!r}{context}"


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_ESCAPE = re.compile(r"\\([ntr\"\\abfv]|[0-7]{1,3})")
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')
_CONTINUATION = re.compile(r'^"(.*)"\s*$')


def _unquote(text: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1)) or chr(int(m.group(1), 8)), text)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a PO file, the header (msgid "") first. Raises ValueError on a line it cannot read."""
    entries: list[Entry] = []
    current: Entry | None = None
    last: tuple[str, int] | None = None  # the field a continuation line extends

    def finish():
        nonlocal current, last
        if current is not None and current.msgid is not None:
            entries.append(current)
        current, last = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):  # the previous msgid of an obsolete fuzzy entry
                continue
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()
            if line.startswith("#,"):
                current = current or Entry(number)
                current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        keyword = _KEYWORD.match(line)
        if keyword:
            name, index, value = keyword.group(1), keyword.group(2), _unquote(keyword.group(3))
            if current is not None and current.msgstr and not name.startswith("msgstr"):
                finish()
            current = current or Entry(number)
            current.obsolete = current.obsolete or obsolete
            if name.startswith("msgstr"):
                slot = int(index) if index is not None else 0
                current.msgstr[slot] = value
                last = ("msgstr", slot)
            else:
                setattr(current, name, value)
                last = (name, 0)
            continue
        continuation = _CONTINUATION.match(line)
        if continuation and current is not None and last is not None:
            value = _unquote(continuation.group(1))
            if last[0] == "msgstr":
                current.msgstr[last[1]] += value
            else:
                setattr(current, last[0], getattr(current, last[0]) + value)
            continue
        raise ValueError(f"{path}:{number}: cannot read {raw!r}")
    finish()
    return entries


def plural_count(entries: list[Entry]) -> int:
    header = next((entry.msgstr.get(0, "") for entry in entries if entry.msgid == ""), "")
    found = re.search(r"nplurals\s*=\s*(\d+)", header)
    return int(found.group(1)) if found else 2


# --- Extracting the strings ------------------------------------------------------------------------


def _apps(root: Path) -> list[Path]:
    return sorted(path.parent for path in root.glob("*/apps.py"))


def _makemessages(root: Path, extra: list[str]) -> None:
    # Without settings, makemessages files each string under the nearest
    # locale/ directory above it, and the rest under ./locale.
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    ignores = [arg for pattern in IGNORE for arg in ("--ignore", pattern)]
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", LANGUAGE, "-v", "0", *ignores, *extra],
        cwd=root,
        env=env,
        check=True,
    )


def extract(root: Path, workdir: Path) -> dict[Path, list[Entry]]:
    """Fresh catalogues for the tree as it is, keyed by their path relative to the tree."""
    copy = workdir / "tree"
    shutil.copytree(root, copy, ignore=COPY_IGNORE)
    for po in copy.glob(f"**/{CATALOGUE}"):
        po.unlink()
    (copy / "locale").mkdir(exist_ok=True)
    for app in _apps(copy):
        (app / "locale").mkdir(exist_ok=True)
    _makemessages(copy, [])
    return {po.relative_to(copy): parse_po(po) for po in sorted(copy.glob(f"**/{CATALOGUE}"))}


def committed_catalogues(root: Path) -> list[Path]:
    found = [root / CATALOGUE, *(app / CATALOGUE for app in _apps(root))]
    return [path.relative_to(root) for path in found if path.exists()]


# --- The checks ------------------------------------------------------------------------------------


def _mo_catalogue(path: Path) -> dict:
    with path.open("rb") as file:
        return dict(gettext.GNUTranslations(file)._catalog)  # every message, the header included


def check_catalogue(root: Path, relative: Path, fresh: list[Entry] | None, workdir: Path) -> list[str]:
    path = root / relative
    try:
        entries = parse_po(path)
    except ValueError as exc:
        return [str(exc)]
    problems: list[str] = []
    active = [entry for entry in entries if not entry.obsolete and entry.msgid != ""]
    wanted = {entry.key: entry for entry in fresh or [] if entry.msgid != ""}
    have = {entry.key: entry for entry in active}

    for key, entry in wanted.items():
        if key not in have:
            problems.append(f"{relative}: missing {entry.label()}")
        elif (have[key].msgid_plural or None) != (entry.msgid_plural or None):
            problems.append(f"{relative}: plural of {entry.label()} is {entry.msgid_plural!r} in the code")
    for key, entry in have.items():
        if key not in wanted:
            problems.append(f"{relative}:{entry.line}: stale {entry.label()}: not in this app's code")

    forms = plural_count(entries)
    for entry in entries:
        if "fuzzy" in entry.flags and not entry.obsolete:
            # msgfmt leaves fuzzy entries out; a fuzzy header loses the charset and plural forms.
            what = "header" if entry.msgid == "" else entry.label()
            problems.append(f"{relative}:{entry.line}: fuzzy {what}")
    for entry in active:
        slots = range(forms) if entry.msgid_plural is not None else range(1)
        if any(not entry.msgstr.get(slot) for slot in slots):
            problems.append(f"{relative}:{entry.line}: untranslated {entry.label()}")

    compiled = workdir / (str(relative).replace(os.sep, "_") + ".mo")
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(path)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        return [*problems, f"{relative}: msgfmt refuses it:\n{result.stderr.strip()}"]
    mo = path.with_suffix(".mo")
    if not mo.exists():
        problems.append(f"{mo.relative_to(root)}: missing (make messages)")
    elif _mo_catalogue(mo) != _mo_catalogue(compiled):
        problems.append(f"{mo.relative_to(root)}: older than or different from the .po (make messages)")
    return problems


def check(root: Path = BASE_DIR) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="walks-messages-") as tmp:
        workdir = Path(tmp)
        fresh = extract(root, workdir)
        committed = committed_catalogues(root)
        problems = [
            f"{relative}: missing: {len(entries) - 1} strings of {relative.parts[0]}/ have no catalogue"
            for relative, entries in fresh.items()
            if relative not in committed
        ]
        for relative in committed:
            problems += check_catalogue(root, relative, fresh.get(relative), workdir)
        for mo in [root / CATALOGUE.with_suffix(".mo"), *(app / CATALOGUE.with_suffix(".mo") for app in _apps(root))]:
            if mo.exists() and not mo.with_suffix(".po").exists():
                problems.append(f"{mo.relative_to(root)}: a .mo without its .po")
    return problems


def update(root: Path = BASE_DIR) -> None:
    """Bring the catalogues up to date in place: new strings get empty
    translations to fill in, changed ones come back fuzzy, gone ones are dropped."""
    with tempfile.TemporaryDirectory(prefix="walks-messages-") as tmp:
        fresh = extract(root, Path(tmp))
    for relative in fresh:
        (root / relative.parents[2]).mkdir(exist_ok=True)  # <app>/locale: its strings go there
    _makemessages(root, ["--no-obsolete"])
    subprocess.run(
        [sys.executable, "-m", "django", "compilemessages", "-l", LANGUAGE, "-v", "0", "--ignore", ".venv"],
        cwd=root,
        env={key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"},
        check=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="run makemessages and compilemessages in place")
    args = parser.parse_args()
    if shutil.which("msgfmt") is None:
        print("GNU gettext is missing: apt-get install gettext", file=sys.stderr)
        return 2
    if args.update:
        update()
    problems = check()
    for problem in problems:
        print(problem)
    if problems:
        print(f"\n{len(problems)} problems with the {LANGUAGE} translations.", file=sys.stderr)
        return 1
    print(f"The {LANGUAGE} translations are complete and compiled.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
