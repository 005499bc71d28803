from __future__ import annotations

import factory

from catalog.models import Title, TitleType
from reviews.models import Review
from tests.factories import UserFactory
from walks.models import Walk, WalkState


class TitleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Title

    name = factory.Sequence(lambda n: f"Title {n}")
    type = TitleType.GAME
    release_year = factory.Sequence(lambda n: 1990 + n % 30)
    description = "A title for tests."


class WalkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Walk

    user = factory.SubFactory(UserFactory)
    title = factory.SubFactory(TitleFactory)
    state = WalkState.COMPLETED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # As the walk services leave it: counted in the person's tally.
        from walks.tally import tally_walk_change

        walk = super()._create(model_class, *args, **kwargs)
        tally_walk_change(user_id=walk.user_id, title_id=walk.title_id, old_state=None, new_state=walk.state)
        return walk


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    user = factory.SubFactory(UserFactory)
    title = factory.SubFactory(TitleFactory)
    rating = 70
    text = "Good."
