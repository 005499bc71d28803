from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import public_user, public_user_cached
from core.cache import cached_json
from core.errors import NotFound
from social.selectors import visible_or_403

from . import selectors
from .cache import STATS_CACHE_SECONDS


class UserStats(APIView):
    error_codes = {403: ["profile_private"], 404: ["user_not_found"]}

    @extend_schema(
        summary="A person's statistics: walks by type and state, ratings, activity, streaks, decades, top rated",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, pk: int):
        person = public_user_cached(pk=pk)
        visible_or_403(request.user, person)
        # The rendered answer, cached under the person's walks and reviews
        # scopes (as user_stats is) and for the day (the streaks).
        today = selectors._today()
        return cached_json(
            selectors.stats_scopes(person.pk),
            request,
            lambda: selectors.compute_user_stats(user_id=person.pk, today=today),
            timeout=STATS_CACHE_SECONDS,
            parts=("stats", today.isoformat()),
        )


class UserYear(APIView):
    error_codes = {403: ["profile_private"], 404: ["user_not_found", "year_not_found"]}

    @extend_schema(
        summary="A person's year in review: finished and 100%, highest and lowest ratings, busiest month",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, pk: int, yyyy: int):
        year = yyyy
        if not 1970 <= year <= selectors._today().year:
            raise NotFound(_("No such year."), code="year_not_found")
        person = public_user(pk=pk)
        visible_or_403(request.user, person)
        return Response(selectors.user_year(user_id=person.pk, year=year))
