"""scripts/messages_check.py (``make messages-check``) on a small project of its own."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "messages_check.py"
pytestmark = pytest.mark.skipif(shutil.which("msgfmt") is None, reason="needs GNU gettext")

HEADER = r"""msgid ""
msgstr ""
"Language: ru\n"
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\n"
"""
CATALOGUE = (
    HEADER
    + r"""
msgid "Hello"
msgstr "Привет"

#, python-format
msgid "%(n)d walk"
msgid_plural "%(n)d walks"
msgstr[0] "%(n)d прохождение"
msgstr[1] "%(n)d прохождения"
msgstr[2] "%(n)d прохождений"

msgid "Page"
msgstr "Страница"
"""
)


@pytest.fixture
def messages_check(monkeypatch):
    spec = importlib.util.spec_from_file_location("messages_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "messages_check", module)  # dataclasses look the module up
    spec.loader.exec_module(module)
    return module


def _project(root: Path) -> Path:
    app = root / "demo"
    (app / "templates" / "demo").mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "apps.py").write_text("")
    (app / "models.py").write_text(
        "from django.utils.translation import gettext_lazy as _, ngettext\n"
        'HELLO = _("Hello")\n'
        'def walks(n):\n    return ngettext("%(n)d walk", "%(n)d walks", n) % {"n": n}\n'
    )
    (app / "templates" / "demo" / "page.html").write_text('{% load i18n %}<h1>{% translate "Page" %}</h1>\n')
    (root / "tests").mkdir()
    (root / "tests" / "test_demo.py").write_text(
        'from django.utils.translation import gettext as _\n_("Not shipped")\n'
    )
    (root / "other").mkdir()
    (root / "other" / "apps.py").write_text("")
    po = app / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(CATALOGUE)
    _compile(po)
    return po


def _compile(po: Path) -> None:
    subprocess.run(["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True)


def test_a_complete_compiled_catalogue_passes(tmp_path, messages_check):
    _project(tmp_path)
    assert messages_check.check(tmp_path) == []


def test_it_reports_missing_stale_untranslated_fuzzy_and_uncompiled_strings(tmp_path, messages_check):
    po = _project(tmp_path)
    models = tmp_path / "demo" / "models.py"
    models.write_text(models.read_text() + 'NEW = _("Goodbye")\n')
    (tmp_path / "other" / "views.py").write_text('from django.utils.translation import gettext as _\n_("Other")\n')
    po.write_text(
        CATALOGUE.replace('msgstr[2] "%(n)d прохождений"', 'msgstr[2] ""').replace(
            'msgid "Page"', '#, fuzzy\nmsgid "Page"'
        )
        + '\nmsgid "Gone"\nmsgstr "Ушло"\n\nmsgid "Empty"\nmsgstr ""\n'
    )  # ... and the .mo is not recompiled

    problems = "\n".join(messages_check.check(tmp_path))
    catalogue = "demo/locale/ru/LC_MESSAGES/django.po"
    assert f"{catalogue}: missing 'Goodbye'" in problems
    assert "other/locale/ru/LC_MESSAGES/django.po: missing: 1 strings of other/ have no catalogue" in problems
    assert "stale 'Gone'" in problems and "stale 'Empty'" in problems
    assert "untranslated '%(n)d walk'" in problems and "untranslated 'Empty'" in problems
    assert "fuzzy 'Page'" in problems
    assert "demo/locale/ru/LC_MESSAGES/django.mo: older than or different from the .po" in problems
    assert "Not shipped" not in problems  # tests/ is not translated

    po.with_suffix(".mo").unlink()
    po.write_text(CATALOGUE.replace('msgstr "Привет"', 'msgstr "Привет"\n\nmsgid "Goodbye"\nmsgstr "Пока"'))
    (tmp_path / "other" / "views.py").unlink()
    assert messages_check.check(tmp_path) == ["demo/locale/ru/LC_MESSAGES/django.mo: missing (make messages)"]

    # A placeholder the code does not pass: msgfmt refuses the catalogue.
    po.write_text(po.read_text().replace('msgstr[1] "%(n)d прохождения"', 'msgstr[1] "%(count)d прохождения"'))
    assert "msgfmt refuses it" in "\n".join(messages_check.check(tmp_path))


def test_the_po_reader(tmp_path, messages_check):
    po = tmp_path / "django.po"
    po.write_text(
        HEADER
        + r"""
#: a.py:1
#, python-format
msgctxt "menu"
msgid ""
"A long "
"line with \"quotes\"\n"
msgstr "Длинная строка с \"кавычками\"\n"

#~ msgid "Old"
#~ msgstr "Старое"
"""
    )
    header, entry, old = messages_check.parse_po(po)
    assert header.msgid == "" and messages_check.plural_count([header]) == 3
    assert (entry.msgctxt, entry.msgid, entry.msgstr, entry.flags) == (
        "menu",
        'A long line with "quotes"\n',
        {0: 'Длинная строка с "кавычками"\n'},
        {"python-format"},
    )
    assert old.obsolete and old.msgid == "Old"
