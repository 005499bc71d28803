from __future__ import annotations

import factory

from staff.models import Position, Staff


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Position

    name = factory.Sequence(lambda n: f"Position {n}")
    has_erp_access = True


class StaffFactory(factory.django.DjangoModelFactory):
    """A staff record without a user; use staff.services to add one."""

    class Meta:
        model = Staff

    full_name = factory.Sequence(lambda n: f"Employee Number{n}")
    email = factory.Sequence(lambda n: f"employee{n}@example.com")
    phone = factory.Sequence(lambda n: f"+7999{n:07d}")
    position = factory.SubFactory(PositionFactory)
