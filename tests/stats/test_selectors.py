"""The statistics' figures on a known data set, and their query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from reviews.models import Review
from reviews.services import title_rating_recompute
from stats import selectors
from tests.catalog.factories import ReviewFactory, TitleFactory, WalkFactory
from tests.factories import UserFactory
from walks.models import Walk

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def walk(user, *, type="game", state="completed", year=2001, day=TODAY):
    w = WalkFactory(user=user, title=TitleFactory(type=type, release_year=year), state=state)
    Walk.objects.filter(pk=w.pk).update(updated_at=at(day))
    return w


def review(user, *, title=None, rating, type="game", day=TODAY):
    r = ReviewFactory(user=user, title=title or TitleFactory(type=type), rating=rating)
    Review.objects.filter(pk=r.pk).update(updated_at=at(day))
    return r


@pytest.fixture
def person():
    """3 games (2 completed, 1 in progress), 1 film 100%, 1 anime in progress;
    reviews 95 (game), 100 (game), 40 (film), 9 (anime)."""
    p = UserFactory(username="known")
    walk(p, type="game", state="completed", year=1998, day=TODAY)
    walk(p, type="game", state="completed", year=2004, day=TODAY - dt.timedelta(days=1))
    walk(p, type="game", state="in_progress", year=2007, day=TODAY - dt.timedelta(days=2))
    walk(p, type="film", state="hundred_percent", year=1999, day=TODAY - dt.timedelta(days=10))
    walk(p, type="anime", state="in_progress", year=2015, day=dt.date(2025, 1, 20))
    other = UserFactory()
    shared = TitleFactory(type="game")
    review(p, title=shared, rating=95, day=TODAY - dt.timedelta(days=11))
    review(other, title=shared, rating=55)  # the site's mean of `shared` becomes 75
    review(p, rating=100, type="game", day=TODAY - dt.timedelta(days=12))
    review(p, rating=40, type="film", day=dt.date(2025, 3, 3))
    review(p, rating=9, type="anime", day=dt.date(2025, 3, 3))
    for r in Review.objects.all():
        title_rating_recompute(title_id=r.title_id)
    return p


def test_walks_by_type_and_state_completion_and_decades(person):
    s = selectors.compute_user_stats(user_id=person.pk, today=TODAY)
    assert s["walks_total"] == 5
    games = next(row for row in s["walks_by_type"] if row["type"] == "game")
    assert games["states"] == {"in_progress": 1, "completed": 2, "hundred_percent": 0} and games["total"] == 3
    assert s["walks_by_state"] == {"in_progress": 2, "completed": 2, "hundred_percent": 1}
    assert s["completion_rate"] == 60.0  # (2 completed + 1 at 100%) / 5 started
    # 1990s: 1998 and 1999; 2000s: 2004 and 2007; 2010s: 2015. Most walked first, then newest.
    assert s["decades"] == [{"decade": 2000, "walks": 2}, {"decade": 1990, "walks": 2}, {"decade": 2010, "walks": 1}]


def test_rating_distribution_in_buckets_of_ten_per_type(person):
    hist = selectors.compute_user_stats(user_id=person.pk, today=TODAY)["rating_histogram"]
    assert hist["buckets"][0] == "0–9" and hist["buckets"][9] == "90–100"
    by_type = {row["type"]: row["counts"] for row in hist["by_type"]}
    assert by_type["game"] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 2]  # 95 and 100 both in 90-100
    assert by_type["film"][4] == 1 and by_type["anime"][0] == 1
    assert hist["counts"] == [1, 0, 0, 0, 1, 0, 0, 0, 0, 2]


def test_their_mean_against_the_sites_on_the_same_titles(person):
    mean = selectors.compute_user_stats(user_id=person.pk, today=TODAY)["mean"]
    assert mean["mine"] == 61.0  # (95 + 100 + 40 + 9) / 4
    # The site's means of those titles: 75 (95 and 55), 100, 40, 9.
    assert mean["site"] == 56.0
    games = next(row for row in mean["by_type"] if row["type"] == "game")
    assert games == {"type": "game", "reviews": 2, "mine": 97.5, "site": 87.5}


def test_activity_by_month_heatmap_and_streaks(person):
    s = selectors.compute_user_stats(user_id=person.pk, today=TODAY)
    months = {m["month"]: m["count"] for m in s["activity_by_month"]}
    assert len(s["activity_by_month"]) == 24 and s["activity_by_month"][-1]["month"] == "2026-06"
    assert months["2026-06"] == 6  # 5 walks... 4 walks and 2 reviews in June
    assert months["2025-03"] == 2 and months["2025-01"] == 1
    days = {d["date"]: d["count"] for week in s["heatmap"]["weeks"] for d in week}
    assert days["2026-06-15"] == 1 and days["2026-06-05"] == 1 and days["2026-06-03"] == 1
    assert s["heatmap"]["end"] == "2026-06-15" and all(len(w) == 7 for w in s["heatmap"]["weeks"][:-1])
    # 13, 14, 15 June in a row; 3 and 4... 3 June (review), 4 June (review), 5 June (walk): also 3.
    assert s["streak"] == {"current": 3, "longest": 3, "active_days": 8}
    assert selectors.compute_user_stats(user_id=person.pk, today=TODAY + dt.timedelta(days=2))["streak"]["current"] == 0


def test_top_rated_titles(person):
    top = selectors.compute_user_stats(user_id=person.pk, today=TODAY)["top_rated"]
    assert [t["rating"] for t in top] == [100, 95, 40, 9]


def test_the_year_in_review(person):
    y = selectors.compute_user_year(user_id=person.pk, year=2026)
    assert (y["finished_total"], y["completed"], y["hundred_percent"]) == (3, 2, 1)
    assert y["finished_by_type"] == {"game": 2, "film": 1, "series": 0, "anime": 0}
    assert len(y["finished"]) == 3 and y["finished"][0]["title"]["release_year"] == 1998
    assert y["reviews_total"] == 2 and y["mean_rating"] == 97.5
    assert [r["rating"] for r in y["highest"]] == [100, 95] and [r["rating"] for r in y["lowest"]] == [95, 100]
    assert y["months"][5] == 6 and y["busiest_month"] == {"month": 6, "count": 6}
    last = selectors.compute_user_year(user_id=person.pk, year=2025)
    assert last["finished_total"] == 0 and last["reviews_total"] == 2 and last["busiest_month"]["month"] == 3
    assert [r["rating"] for r in last["lowest"]] == [9, 40]


def test_an_empty_history():
    s = selectors.compute_user_stats(user_id=UserFactory().pk, today=TODAY)
    assert s["walks_total"] == 0 and s["completion_rate"] is None and s["mean"]["mine"] is None
    assert s["streak"] == {"current": 0, "longest": 0, "active_days": 0} and s["top_rated"] == []


def test_a_write_shows_at_once_through_the_cache(person, django_capture_on_commit_callbacks):
    from reviews.services import review_upsert
    from walks.services import walk_upsert

    before = selectors.user_stats(user_id=person.pk)
    with django_capture_on_commit_callbacks(execute=True):
        walk_upsert(user=person, title_id=TitleFactory().pk, state="completed")
    assert selectors.user_stats(user_id=person.pk)["walks_total"] == before["walks_total"] + 1
    with django_capture_on_commit_callbacks(execute=True):
        review_upsert(user=person, title_id=TitleFactory().pk, rating=50, text="")
    assert selectors.user_stats(user_id=person.pk)["reviews_total"] == before["reviews_total"] + 1
    assert selectors.user_year(user_id=person.pk, year=timezone.localdate().year)["reviews_total"] >= 1


def _history(user, walks: int, reviews: int) -> None:
    titles = TitleFactory.create_batch(max(walks, reviews))
    Walk.objects.bulk_create(
        Walk(user=user, title=t, state=("completed", "in_progress", "hundred_percent")[i % 3])
        for i, t in enumerate(titles[:walks])
    )
    Review.objects.bulk_create(Review(user=user, title=t, rating=i % 101) for i, t in enumerate(titles[:reviews]))


@pytest.mark.parametrize(("walks", "reviews"), [(5, 2), (300, 120)])
def test_the_statistics_take_the_same_few_queries_at_any_size(walks, reviews, django_assert_max_num_queries):
    user = UserFactory()
    _history(user, walks, reviews)
    # walks by type/state/year, reviews by type/rating, walks by day, reviews by day, top rated
    with django_assert_max_num_queries(5):
        s = selectors.compute_user_stats(user_id=user.pk, today=timezone.localdate())
    assert s["walks_total"] == walks and s["reviews_total"] == reviews
    # finished, counts, highest, lowest, walks by day, reviews by day, the reviews' mean
    with django_assert_max_num_queries(7):
        y = selectors.compute_user_year(user_id=user.pk, year=timezone.localdate().year)
    assert y["reviews_total"] == reviews
