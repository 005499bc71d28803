"""The placeholder cover's URL: the same bytes as reverse() gives, computed once per type."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import translation

from catalog import covers
from catalog.covers import placeholder_url
from catalog.models import TitleType

NAMES = ["Akira", "Blade Runner 2049", 'Ça & "quotes" ?/#%', "ゼルダの伝説", "x" * 300]


@pytest.fixture(autouse=True)
def _fresh():
    covers._placeholder_path.cache_clear()
    yield
    covers._placeholder_path.cache_clear()
    set_script_prefix("/")


@pytest.mark.parametrize("type_", TitleType.values)
@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_url_is_what_reverse_gives(type_, language):
    with translation.override(language):
        for name in NAMES:
            query = urlencode({"n": name[:80], "l": language, "v": covers.PLACEHOLDER_VERSION})
            expected = f"{reverse('catalog:cover_placeholder', kwargs={'type': type_})}?{query}"
            assert placeholder_url(type=type_, name=name) == expected


def test_reverse_runs_once_per_type(monkeypatch):
    calls = []
    real = covers.reverse
    monkeypatch.setattr(covers, "reverse", lambda *a, **kw: calls.append(kw["kwargs"]["type"]) or real(*a, **kw))
    for _ in range(50):
        for type_ in TitleType.values:
            placeholder_url(type=type_, name="Name")
    assert sorted(calls) == sorted(TitleType.values)


def test_a_script_prefix_is_kept():
    assert placeholder_url(type="game", name="A").startswith("/covers/game.svg?")
    set_script_prefix("/walks/")
    assert placeholder_url(type="game", name="A").startswith("/walks/covers/game.svg?")
