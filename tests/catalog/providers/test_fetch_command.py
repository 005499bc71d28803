from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from catalog.models import ExternalId, Title

pytestmark = pytest.mark.django_db


def test_popular_anime_are_added_once(fake_anilist):
    out = io.StringIO()
    call_command("catalog_fetch", "--provider", "anilist", "--popular", "2", stdout=out)
    assert "2 added, 0 already there, 0 skipped" in out.getvalue()
    assert "2/2" in out.getvalue()  # the progress
    assert set(ExternalId.objects.filter(provider="anilist").values_list("external_id", flat=True)) == {"1", "5"}
    out = io.StringIO()
    call_command("catalog_fetch", "--provider", "anilist", "--popular", "3", stdout=out)
    assert "1 added, 2 already there" in out.getvalue()
    assert Title.objects.count() == 3
    assert set(Title.objects.values_list("origin", flat=True)) == {"anilist"}


def test_an_unconfigured_provider_or_type_is_a_clear_error(fake_anilist):
    with pytest.raises(CommandError, match="not configured"):
        call_command("catalog_fetch", "--provider", "tmdb", "--type", "film", "--popular", "5")
    with pytest.raises(CommandError, match="serves"):
        call_command("catalog_fetch", "--provider", "anilist", "--type", "film", "--popular", "5")


def test_a_provider_down_is_a_clear_error(fake_anilist):
    fake_anilist.down = True
    with pytest.raises(CommandError, match="provider_unavailable"):
        call_command("catalog_fetch", "--provider", "anilist", "--popular", "5")
