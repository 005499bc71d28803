from __future__ import annotations

import re

import pytest

from staff.codes import ALPHABET, code_display, code_new, code_normalize


def test_new_codes_are_ten_unambiguous_symbols_and_differ():
    codes = {code_new() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 10 and set(code) <= set(ALPHABET)
    assert not set("01OILU") & set(ALPHABET)


def test_display_groups_four_four_two():
    assert code_display("ABCDEFGHJK") == "ABCD-EFGH-JK"
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", code_display(code_new()))


@pytest.mark.parametrize(
    "typed",
    ["ABCD-EFGH-JK", "abcd-efgh-jk", "abcd efgh jk", " AbCdEfGhJk ", "ABCD\u2013EFGH\u2013JK", "ABCD_EFGH.JK"],
)
def test_normalize_accepts_what_people_type(typed):
    assert code_normalize(typed) == "ABCDEFGHJK"


def test_normalize_maps_cyrillic_lookalikes_from_a_russian_layout():
    # А, В, Е, К, М, Н, Р, С, Т, Х typed on a Russian keyboard look like the Latin code.
    assert code_normalize("АВСЕ-НКМР-ТХ") == "ABCEHKMPTX"
    assert code_normalize("авсе нкмр тх") == "ABCEHKMPTX"


@pytest.mark.parametrize(
    "typed", ["", "ABCD-EFGH-J", "ABCD-EFGH-JKM", "ABCD-EFGH-J0", "ABCD-EFGH-JI", "Ж" * 10, "x" * 100]
)
def test_normalize_refuses_what_cannot_be_a_code(typed):
    assert code_normalize(typed) is None


def test_normalize_refuses_non_strings():
    assert code_normalize(None) is None
    assert code_normalize(1234567890) is None
