"""A person's statistics and their year in review, computed in a bounded
number of queries whatever the size of their history.

Every figure comes from a handful of GROUP BY queries (their walks by type,
state and release year; their reviews by type and rating with the sum of
the site's means of those titles; both by day), folded in Python into what
the charts show. Nothing here is per row, so 50 or 5,000 walks cost the same
number of queries. The results are plain dicts (JSON-ready: the API returns
them as they are) cached under the person's walks and reviews scopes.

The dates: a walk counts on the day it was last updated (marking a title
completed updates it), a review on the day it was last written. "Finished in
a year" is a walk completed or 100%-ed whose last update fell in that year.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.models import TitleType
from core.cache import cache_key, cached
from reviews.cache import user_reviews_scope
from reviews.models import Review
from walks.cache import user_walks_scope
from walks.models import Walk, WalkState

from .cache import STATS_CACHE_SECONDS

BUCKETS = [(low, low + 9 if low < 90 else 100) for low in range(0, 100, 10)]  # 0-9 ... 90-100
MONTHS = 24
HEATMAP_WEEKS = 53
TOP_RATED = 10
YEAR_LIST_MAX = 60
FINISHED = (WalkState.COMPLETED, WalkState.HUNDRED_PERCENT)


def bucket_of(rating: int) -> int:
    """The index of the bucket of 10 a rating falls in (100 joins 90-99)."""
    return min(int(rating) // 10, 9)


def stats_scopes(user_id: int) -> tuple[str, str]:
    return (user_walks_scope(user_id), user_reviews_scope(user_id))


def _mean(total: float, n: int) -> float | None:
    return round(total / n, 1) if n else None


def _today() -> dt.date:
    return timezone.localdate()


def user_stats(*, user_id: int, today: dt.date | None = None) -> dict:
    """Every figure of the statistics page (and ``GET /user/{id}/stats``), cached.

    The streaks depend on the day, so the day is part of the key.
    """
    today = today or _today()
    scopes = stats_scopes(user_id)
    return cached(
        scopes,
        cache_key(scopes[0], "stats", today.isoformat()),
        lambda: compute_user_stats(user_id=user_id, today=today),
        timeout=STATS_CACHE_SECONDS,
    )


def compute_user_stats(*, user_id: int, today: dt.date) -> dict:
    """The statistics, uncached: five queries."""
    walks = _walk_figures(user_id)  # 1 query
    reviews = _review_figures(user_id)  # 1 query
    days = _activity_days(user_id)  # 2 queries
    top = [  # 1 query
        _review_brief(r)
        for r in Review.objects.filter(user_id=user_id)
        .select_related("title")
        .only("id", "rating", "updated_at", "title__id", "title__name", "title__type", "title__release_year")
        .order_by("-rating", "-updated_at", "-id")[:TOP_RATED]
    ]
    return {
        **walks,
        **reviews,
        "activity_by_month": _months(days, today),
        "heatmap": _heatmap(days, today),
        **_streaks(days, today),
        "top_rated": top,
    }


def _walk_figures(user_id: int) -> dict:
    rows = (
        Walk.objects.filter(user_id=user_id)
        .values("title__type", "state", "title__release_year")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_type = {t: {s: 0 for s in WalkState.values} for t in TitleType.values}
    decades: Counter[int] = Counter()
    for row in rows:
        by_type[row["title__type"]][row["state"]] += row["n"]
        if row["title__release_year"]:
            decades[row["title__release_year"] // 10 * 10] += row["n"]
    by_state = {s: sum(by_type[t][s] for t in by_type) for s in WalkState.values}
    total = sum(by_state.values())
    finished = sum(by_state[s] for s in FINISHED)
    return {
        "walks_total": total,
        "walks_by_type": [{"type": t, "total": sum(by_type[t].values()), "states": by_type[t]} for t in by_type],
        "walks_by_state": by_state,
        # Completed and 100% over everything started (every walk is started).
        "completion_rate": round(100 * finished / total, 1) if total else None,
        "decades": [
            {"decade": d, "walks": n} for d, n in sorted(decades.items(), key=lambda item: (-item[1], -item[0]))[:8]
        ],
    }


def _review_figures(user_id: int) -> dict:
    rows = (
        Review.objects.filter(user_id=user_id)
        .values("title__type", "rating")
        .annotate(n=Count("id"), site_n=Count("title__rating"), site_sum=Sum("title__rating"))
        .order_by()
    )
    hist = {t: [0] * len(BUCKETS) for t in TitleType.values}
    mine = defaultdict(lambda: [0, 0])  # type -> [sum of ratings, count]
    site = defaultdict(lambda: [0.0, 0])  # type -> [sum of the titles' means, count]
    for row in rows:
        type_ = row["title__type"]
        hist[type_][bucket_of(row["rating"])] += row["n"]
        mine[type_][0] += row["rating"] * row["n"]
        mine[type_][1] += row["n"]
        site[type_][0] += float(row["site_sum"] or 0)
        site[type_][1] += row["site_n"]
    comparison = [
        {"type": t, "reviews": mine[t][1], "mine": _mean(*mine[t]), "site": _mean(*site[t])}
        for t in TitleType.values
        if mine[t][1]
    ]
    all_mine = [sum(m[0] for m in mine.values()), sum(m[1] for m in mine.values())]
    all_site = [sum(s[0] for s in site.values()), sum(s[1] for s in site.values())]
    return {
        "reviews_total": all_mine[1],
        "rating_histogram": {
            "buckets": [f"{low}–{high}" for low, high in BUCKETS],
            "by_type": [{"type": t, "counts": hist[t]} for t in TitleType.values],
            "counts": [sum(hist[t][i] for t in hist) for i in range(len(BUCKETS))],
        },
        "mean": {"mine": _mean(*all_mine), "site": _mean(*all_site), "by_type": comparison},
    }


def _activity_days(user_id: int) -> Counter[dt.date]:
    """How many walks and reviews were written on each day, all time."""
    days: Counter[dt.date] = Counter()
    for model in (Walk, Review):
        rows = (
            model.objects.filter(user_id=user_id)
            .annotate(day=TruncDate("updated_at"))
            .values("day")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            days[_as_date(row["day"])] += row["n"]
    return days


def _as_date(value) -> dt.date:
    # SQLite may hand back the truncated day as text.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _month_start(day: dt.date, back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _months(days: Counter[dt.date], today: dt.date) -> list[dict]:
    counts: Counter[str] = Counter()
    first = _month_start(today, MONTHS - 1)
    for day, n in days.items():
        if day >= first:
            counts[day.strftime("%Y-%m")] += n
    out = []
    for back in range(MONTHS - 1, -1, -1):
        key = _month_start(today, back).strftime("%Y-%m")
        out.append({"month": key, "count": counts[key]})
    return out


def _heatmap(days: Counter[dt.date], today: dt.date) -> dict:
    """The last year as weeks (Monday first) of days with their counts."""
    start = today - dt.timedelta(days=HEATMAP_WEEKS * 7 - 1)
    start -= dt.timedelta(days=start.weekday())
    weeks, day = [], start
    peak = 0
    while day <= today:
        week = []
        for _ in range(7):
            if day <= today:
                week.append({"date": day.isoformat(), "count": days.get(day, 0)})
                peak = max(peak, days.get(day, 0))
            day += dt.timedelta(days=1)
        weeks.append(week)
    return {"start": start.isoformat(), "end": today.isoformat(), "max": peak, "weeks": weeks}


def _streaks(days: Counter[dt.date], today: dt.date) -> dict:
    """Consecutive days with activity: the longest ever, and the current one
    (alive if the last active day is today or yesterday)."""
    active = sorted(d for d, n in days.items() if n)
    longest, run, previous = 0, 0, None
    for day in active:
        run = run + 1 if previous is not None and day - previous == dt.timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    current = 0
    if active and (today - active[-1]).days <= 1:
        current = run
    return {"streak": {"current": current, "longest": longest, "active_days": len(active)}}


def _title_brief(title) -> dict:
    return {"id": title.id, "name": title.name, "type": title.type, "release_year": title.release_year}


def _review_brief(review) -> dict:
    return {"rating": review.rating, "updated_at": review.updated_at.isoformat(), "title": _title_brief(review.title)}


# --- A year in review ---------------------------------------------------------------------------------


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime(year, 1, 1, tzinfo=tz),
        dt.datetime(year + 1, 1, 1, tzinfo=tz),
    )


def user_year(*, user_id: int, year: int) -> dict:
    """What the person finished and 100%-ed in ``year``, their highest and
    lowest ratings of it and their busiest month; cached."""
    scopes = stats_scopes(user_id)
    return cached(
        scopes,
        cache_key(scopes[0], "year", year),
        lambda: compute_user_year(user_id=user_id, year=year),
        timeout=STATS_CACHE_SECONDS,
    )


def compute_user_year(*, user_id: int, year: int) -> dict:
    """The year in review, uncached: six queries."""
    start, end = year_bounds(year)
    walks = Walk.objects.filter(user_id=user_id, updated_at__gte=start, updated_at__lt=end)
    reviews = Review.objects.filter(user_id=user_id, updated_at__gte=start, updated_at__lt=end)
    finished_qs = (
        walks.filter(state__in=FINISHED)
        .select_related("title")
        .only("id", "state", "updated_at", "title__id", "title__name", "title__type", "title__release_year")
        .order_by("-updated_at", "-id")
    )
    finished = [  # 1 query
        {"state": w.state, "updated_at": w.updated_at.isoformat(), "title": _title_brief(w.title)}
        for w in finished_qs[:YEAR_LIST_MAX]
    ]
    counts = Counter()  # 1 query
    for row in walks.values("state", "title__type").annotate(n=Count("id")).order_by():
        counts[(row["state"], row["title__type"])] += row["n"]
    reviewed = reviews.select_related("title").only(
        "id", "rating", "updated_at", "title__id", "title__name", "title__type", "title__release_year"
    )
    highest = [_review_brief(r) for r in reviewed.order_by("-rating", "-updated_at", "-id")[:5]]  # 1 query
    lowest = [_review_brief(r) for r in reviewed.order_by("rating", "-updated_at", "-id")[:5]]  # 1 query
    months = [0] * 12
    for model_qs in (walks, reviews):  # 2 queries
        rows = model_qs.annotate(m=TruncDate("updated_at")).values("m").annotate(n=Count("id")).order_by()
        for row in rows:
            months[_as_date(row["m"]).month - 1] += row["n"]
    review_stats = reviews.aggregate(n=Count("id"), total=Sum(F("rating")))  # 1 query
    busiest = max(range(12), key=lambda i: (months[i], -i)) if any(months) else None
    completed = sum(n for (state, _t), n in counts.items() if state == WalkState.COMPLETED)
    hundred = sum(n for (state, _t), n in counts.items() if state == WalkState.HUNDRED_PERCENT)
    return {
        "year": year,
        "finished_total": completed + hundred,
        "completed": completed,
        "hundred_percent": hundred,
        "finished_by_type": {
            t: sum(n for (state, type_), n in counts.items() if type_ == t and state in FINISHED)
            for t in TitleType.values
        },
        "finished": finished,
        "reviews_total": review_stats["n"],
        "mean_rating": _mean(review_stats["total"] or 0, review_stats["n"]),
        "highest": highest,
        "lowest": lowest,
        "months": months,
        "busiest_month": None if busiest is None else {"month": busiest + 1, "count": months[busiest]},
    }
