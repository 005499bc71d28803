"""The words for a walk's state, fitted to the title's type.

The stored and API values stay ``in_progress``, ``completed`` and
``hundred_percent``; only what a page shows changes: one plays and beats a
game, one watches a film, a series or an anime. Where a list mixes types and
has no single one (a profile's "all types", the statistics' totals), the
neutral words of :class:`walks.models.WalkState` are shown: "In progress",
"Completed", "100%".
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import TitleType

from .models import WalkState

_PLAYED = {
    WalkState.IN_PROGRESS: pgettext_lazy("game state", "Playing"),
    WalkState.COMPLETED: pgettext_lazy("game state", "Beaten"),
    WalkState.HUNDRED_PERCENT: _("100%"),
}
_WATCHED = {
    WalkState.IN_PROGRESS: pgettext_lazy("film or series state", "Watching"),
    WalkState.COMPLETED: pgettext_lazy("film or series state", "Watched"),
    WalkState.HUNDRED_PERCENT: _("100%"),
}
_NEUTRAL = dict(WalkState.choices)
_BY_TYPE = {
    TitleType.GAME: _PLAYED,
    TitleType.FILM: _WATCHED,
    TitleType.SERIES: _WATCHED,
    TitleType.ANIME: _WATCHED,
}


def state_label(state: str, title_type: str | None = None) -> str:
    """The label of ``state`` for a title of ``title_type``; the neutral one
    when the type is not known or not given. An unknown state is returned as is."""
    labels = _BY_TYPE.get(title_type or "", _NEUTRAL)
    label = labels.get(state)
    return str(label) if label is not None else str(state)


def state_choices(title_type: str | None = None) -> list[tuple[str, str]]:
    """``(value, label)`` of every state, in order, for pickers and filters."""
    return [(value, state_label(value, title_type)) for value in WalkState.values]
