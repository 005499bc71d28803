from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Avg, Count

from accounts.models import User
from catalog.models import Title
from catalog.permissions import can_curate
from reviews.models import Review
from walks.models import Walk

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        Title.objects.count(),
        User.objects.count(),
        Walk.objects.count(),
        Review.objects.count(),
        list(Title.objects.order_by("pk").values_list("rating", "rating_count")),
    )


def test_seed_demo_loads_a_living_catalogue_and_is_idempotent():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = snapshot()
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert snapshot() == first

    per_type = Counter(Title.objects.values_list("type", flat=True))
    assert sum(per_type.values()) >= 80
    assert all(per_type[t] >= 15 for t in ("game", "film", "series", "anime"))
    assert Title.objects.filter(name="Half-Life 2", type="game", release_year=2004).exists()
    assert Title.objects.filter(name="Spirited Away", release_year=2001).exists()
    assert not Title.objects.filter(description="").exists()
    assert Title.objects.filter(cover="").count() == Title.objects.count()  # placeholders

    demo = authenticate(email="demo@walks.localhost", password="walks-demo-2026")
    assert demo is not None and demo.walks.exists() and demo.reviews.exists()
    curator = User.objects.get(email="curator@walks.localhost")
    assert curator.check_password("walks-demo-2026") and can_curate(curator, "add")
    assert not can_curate(demo, "add")

    # Ratings are consistent with the reviews.
    actual = {
        row["title_id"]: (row["avg"], row["n"])
        for row in Review.objects.values("title_id").annotate(avg=Avg("rating"), n=Count("id"))
    }
    for title in Title.objects.all():
        avg, n = actual.get(title.pk, (None, 0))
        assert title.rating_count == n
        assert title.rating == (pytest.approx(avg) if avg is not None else None)
