"""The geometry of the server-rendered SVG charts.

The figures come from stats.selectors; these functions only place them:
bars, labels and cells in a fixed viewBox that the browser scales to any
width. Colours are CSS classes (``s-game``, ``s-completed``...) themed by
the stylesheet's variables, so the charts follow light and dark, print, and
need neither scripts nor inline styles (a strict CSP).
"""

from __future__ import annotations

import datetime as dt

WIDTH = 640


def _nice_max(value: int) -> int:
    """A round top for an axis (1, 2, 5 times a power of ten)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= step * factor:
                return step * factor
        step *= 10


def columns(labels: list[str], series: list[dict], *, height: int = 220, label_every: int = 1) -> dict:
    """Stacked columns: ``series`` is ``[{"key", "name", "values"}]`` with one value per label."""
    left, bottom, top = 36, 28, 10
    inner_w, inner_h = WIDTH - left - 8, height - bottom - top
    totals = [sum(s["values"][i] for s in series) for i in range(len(labels))]
    peak = _nice_max(max(totals, default=0))
    slot = inner_w / max(len(labels), 1)
    bar_w = max(slot * 0.72, 1)
    bars, ticks = [], []
    for i, label in enumerate(labels):
        x = left + i * slot + (slot - bar_w) / 2
        y = top + inner_h
        for s in series:
            value = s["values"][i]
            if not value:
                continue
            h = inner_h * value / peak
            y -= h
            bars.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "w": round(bar_w, 1),
                    "h": round(h, 1),
                    "cls": f"s-{s['key']}",
                    "tip": f"{label} · {s['name']}: {value}",
                }
            )
        if i % label_every == 0:
            ticks.append({"x": round(left + i * slot + slot / 2, 1), "text": label})
    grid = [{"y": round(top + inner_h - inner_h * f, 1), "text": _fmt(peak * f)} for f in (0, 0.5, 1) if peak * f >= 0]
    return {
        "width": WIDTH,
        "height": height,
        "left": left,
        "right": WIDTH - 8,
        "base": top + inner_h,
        "label_y": top + inner_h + 18,
        "bars": bars,
        "ticks": ticks,
        "grid": grid,
        "legend": [{"key": s["key"], "name": s["name"]} for s in series if any(s["values"])],
    }


def rows(items: list[dict], *, maximum: float | None = None, row_h: int = 30) -> dict:
    """Horizontal stacked bars: ``items`` is ``[{"label", "parts": [{"key", "name", "value"}]}]``."""
    left, pad = 120, 6
    inner_w = WIDTH - left - 56
    peak = maximum or _nice_max(max((sum(p["value"] for p in it["parts"]) for it in items), default=0))
    out = []
    for i, item in enumerate(items):
        y = pad + i * row_h
        x = left
        bars = []
        for part in item["parts"]:
            if not part["value"]:
                continue
            w = inner_w * part["value"] / peak
            bars.append(
                {
                    "x": round(x, 1),
                    "w": round(max(w, 1), 1),
                    "cls": f"s-{part['key']}",
                    "tip": f"{item['label']} · {part['name']}: {_fmt(part['value'])}",
                }
            )
            x += w
        total = sum(p["value"] for p in item["parts"])
        out.append(
            {
                "label": item["label"],
                "y": y,
                "bar_y": y + 4,
                "bar_h": row_h - 12,
                "text_y": y + row_h / 2 + 3,
                "bars": bars,
                "end_x": round(x + 6, 1),
                "total": _fmt(total),
            }
        )
    return {"width": WIDTH, "height": pad * 2 + row_h * len(items), "left": left, "rows": out}


def heatmap(data: dict) -> dict:
    """A calendar of the last year: one column per week, one cell per day."""
    cell, gap, left, top = 11, 2, 26, 16
    peak = data["max"] or 1
    cells, months = [], []
    seen_month = None
    for w, week in enumerate(data["weeks"]):
        x = left + w * (cell + gap)
        for d, day in enumerate(week):
            count = day["count"]
            level = 0 if not count else min(4, 1 + int(3 * count / peak))
            cells.append(
                {
                    "x": x,
                    "y": top + d * (cell + gap),
                    "level": level,
                    "tip": f"{day['date']}: {count}",
                }
            )
        first = dt.date.fromisoformat(week[0]["date"])
        if first.month != seen_month and first.day <= 7:
            months.append({"x": x, "month": first.month})
            seen_month = first.month
    width = left + len(data["weeks"]) * (cell + gap)
    return {
        "width": width,
        "height": top + 7 * (cell + gap),
        "cell": cell,
        "cells": cells,
        "months": months,
        "day_labels": [{"y": top + d * (cell + gap) + cell - 2, "d": d} for d in (0, 2, 4)],
    }


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
