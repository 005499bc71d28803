"""Reads for a title's page and its API detail that join the catalogue with
walks and reviews.

It sits above catalog, walks and reviews (a door-level module: only views
and API views import it), so that none of those apps has to know the others.
"""

from __future__ import annotations

from core.cache import cache_key, cached
from reviews.cache import user_reviews_scope
from reviews.models import Review
from walks.cache import user_walks_scope
from walks.models import Walk

from .selectors import title_cached

# A person's own walk and review of a title; walks and reviews edited in the
# admin go through the same services, so this only bounds a cache that
# missed a bump.
MINE_CACHE_SECONDS = 60


def title_with_mine(*, pk: int, user):
    """The title and the caller's own walk and review of it (``None`` when
    they have none), from the cache: the title until it changes, the walk
    and review until the caller writes one of theirs."""
    title = title_cached(pk=pk)
    if user is None or not user.is_authenticated:
        return title, None, None

    def mine():
        walk = Walk.objects.filter(title_id=title.pk, user=user).first()
        review = Review.objects.filter(title_id=title.pk, user=user).first()
        return walk, review

    scopes = (user_walks_scope(user.pk), user_reviews_scope(user.pk))
    walk, review = cached(scopes, cache_key(scopes[0], "mine", pk), mine, timeout=MINE_CACHE_SECONDS)
    return title, walk, review
