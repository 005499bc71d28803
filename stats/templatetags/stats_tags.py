from __future__ import annotations

import datetime as dt

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def month_abbr(month: int) -> str:
    return formats.date_format(dt.date(2000, int(month), 1), "M")


@register.filter
def weekday_abbr(index: int) -> str:
    # 3 January 2000 was a Monday.
    return formats.date_format(dt.date(2000, 1, 3) + dt.timedelta(days=int(index)), "D")
