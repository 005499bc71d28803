from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.selectors import user_by_handle
from catalog.models import TitleType
from catalog.templatetags.catalog_tags import type_plural
from social.selectors import visible_or_403
from walks.models import WalkState

from . import cards, charts, selectors


def person_or_redirect(handle: str):
    """The person a URL names, and whether the URL should move to their current username."""
    person = user_by_handle(handle=handle)
    return person, person.profile.username != handle


STATE_KEYS = {
    WalkState.IN_PROGRESS: "in_progress",
    WalkState.COMPLETED: "completed",
    WalkState.HUNDRED_PERCENT: "hundred",
}


def _month_label(key: str, *, year: bool = False) -> str:
    y, m = map(int, key.split("-"))
    return formats.date_format(dt.date(y, m, 1), "M y" if year else "M")


def stats_charts(stats: dict) -> dict:
    """The charts of the statistics page, placed (see stats.charts), with
    their labels in the page's language."""
    state_names = dict(WalkState.choices)
    by_type = [
        {
            "label": type_plural(row["type"]),
            "parts": [
                {"key": STATE_KEYS[s], "name": str(state_names[s]), "value": row["states"][s]} for s in WalkState.values
            ],
        }
        for row in stats["walks_by_type"]
    ]
    hist = stats["rating_histogram"]
    rating_series = [
        {"key": row["type"], "name": type_plural(row["type"]), "values": row["counts"]} for row in hist["by_type"]
    ]
    months = stats["activity_by_month"]
    comparison = []
    for row in stats["mean"]["by_type"]:
        label = type_plural(row["type"])
        comparison.append({"label": label, "parts": [{"key": "mine", "name": _("You"), "value": row["mine"] or 0}]})
        comparison.append({"label": "", "parts": [{"key": "site", "name": _("Everyone"), "value": row["site"] or 0}]})
    decades = [
        {
            "label": _("%(decade)ss") % {"decade": d["decade"]},
            "parts": [{"key": "decade", "name": "", "value": d["walks"]}],
        }
        for d in stats["decades"]
    ]
    return {
        "by_type": charts.rows(by_type),
        "state_legend": [{"key": STATE_KEYS[s], "name": state_names[s]} for s in WalkState.values],
        "ratings": charts.columns(hist["buckets"], rating_series),
        "rating_rows": [
            {"label": label, "counts": [row["counts"][i] for row in hist["by_type"]], "total": hist["counts"][i]}
            for i, label in enumerate(hist["buckets"])
        ],
        "comparison": charts.rows(comparison, maximum=100, row_h=24),
        "months": charts.columns(
            [_month_label(m["month"]) for m in months],
            [{"key": "activity", "name": _("Walks and reviews"), "values": [m["count"] for m in months]}],
            height=180,
            label_every=3,
        ),
        "month_rows": [{"label": _month_label(m["month"], year=True), "count": m["count"]} for m in months],
        "heatmap": charts.heatmap(stats["heatmap"]),
        "decades": charts.rows(decades),
    }


@require_GET
def stats_page(request, username: str):
    person, moved = person_or_redirect(username)
    if moved:
        return redirect("stats:stats", username=person.profile.username)
    visible_or_403(request.user, person)
    stats = selectors.user_stats(user_id=person.pk)
    active_days = [
        {"date": d["date"], "count": d["count"]} for week in stats["heatmap"]["weeks"] for d in week if d["count"]
    ]
    context = {
        "person": person,
        "s": stats,
        "charts": stats_charts(stats),
        "types": TitleType.values,
        "active_days": active_days,
        "is_me": request.user.is_authenticated and request.user.pk == person.pk,
        "this_year": selectors._today().year,
    }
    return render(request, "stats/stats.html", context)


def _year_or_404(yyyy: str) -> int:
    year = int(yyyy)
    if not 1970 <= year <= selectors._today().year:
        raise Http404
    return year


@require_GET
def year_page(request, username: str, yyyy: str):
    year = _year_or_404(yyyy)
    person, moved = person_or_redirect(username)
    if moved:
        return redirect("stats:year", username=person.profile.username, yyyy=year)
    visible_or_403(request.user, person)
    data = selectors.user_year(user_id=person.pk, year=year)
    month_names = [formats.date_format(dt.date(year, m, 1), "M") for m in range(1, 13)]
    context = {
        "person": person,
        "y": data,
        "year": year,
        "months_chart": charts.columns(
            month_names, [{"key": "activity", "name": _("Walks and reviews"), "values": data["months"]}], height=180
        ),
        "month_rows": [{"label": month_names[i], "count": n} for i, n in enumerate(data["months"])],
        "busiest_name": (
            formats.date_format(dt.date(year, data["busiest_month"]["month"], 1), "F") if data["busiest_month"] else ""
        ),
        "card_url": request.build_absolute_uri(
            reverse("stats:year_card", kwargs={"username": person.profile.username, "yyyy": year})
        ),
        "page_url": request.build_absolute_uri(),
        "previous_year": year - 1 if year > 1970 else None,
        "next_year": year + 1 if year < selectors._today().year else None,
    }
    return render(request, "stats/year.html", context)


@require_GET
def year_card(request, username: str, yyyy: str):
    """The year's image for link previews (Open Graph), a 1200×630 PNG."""
    year = _year_or_404(yyyy)
    person, moved = person_or_redirect(username)
    if moved:
        return redirect("stats:year_card", username=person.profile.username, yyyy=year)
    visible_or_403(request.user, person)
    png = cards.year_card_png(person=person, year=year)
    response = HttpResponse(png, content_type="image/png")
    # A private person's card is for the people they approve: no shared caches.
    response["Cache-Control"] = f"{'private' if person.profile.is_private else 'public'}, max-age=600"
    return response
