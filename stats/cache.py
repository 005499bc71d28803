"""The statistics' cache: they are read under the person's walks and reviews
scopes (walks.cache, reviews.cache), which every walk and review write of
theirs bumps, so a write shows at once. stats writes nothing of its own."""

from __future__ import annotations

# What else the figures embed (the site's mean of a title, a title's name or
# release year) may lag this long.
STATS_CACHE_SECONDS = 10 * 60
# The PNG card of a year is the costliest thing here; it follows the same scopes.
CARD_CACHE_SECONDS = 60 * 60
