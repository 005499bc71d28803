"""Fixtures for the hostile-input tests: a small world of real rows to aim
at, credentials for a person, an admin and a machine, and a Django that can
be called as a plain WSGI app inside the test's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework_simplejwt.tokens import AccessToken


@pytest.fixture(autouse=True)
def _wsgi_inside_the_test_transaction():
    """Django's WSGI handler closes "old" connections at the start and end of
    every request, which would close the test's open transaction under it.
    Django's own test client switches this off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def bearer(user) -> dict[str, str]:
    return {"Authorization": f"Bearer {AccessToken.for_user(user)}"}


@dataclass
class World:
    """Rows that path parameters can point at, by the first segment of the path."""

    user: object
    admin: object
    headers: dict[str, str]
    admin_headers: dict[str, str]
    machine_headers: dict[str, str]
    ids: dict[str, int] = field(default_factory=dict)

    def id_for(self, path: str) -> int | None:
        """A real id for ``/api/v1/<resource>/{id}...``, when the world has one."""
        parts = [p for p in path.split("/") if p and p not in ("api", "v1")]
        if not parts:
            return None
        if parts[0] == "user" and len(parts) > 1 and parts[1] == "linked-accounts":
            return self.ids.get("linked-accounts")
        return self.ids.get(parts[0])


@pytest.fixture
def world(db) -> World:
    from accounts.models import User
    from accounts.service_tokens import service_token_create

    # No password: hashing one with Argon2 costs a second per test on a busy machine.
    user = User.objects.create_user("fuzz.person@example.com", None)
    admin = User.objects.create_user("fuzz.admin@example.com", None, is_staff=True, is_superuser=True)
    _, secret = service_token_create(name="fuzz", scopes=["gpt", "staff"])
    world = World(
        user=user,
        admin=admin,
        headers=bearer(user),
        admin_headers=bearer(admin),
        machine_headers={"Authorization": f"Bearer {secret}"},
    )
    world.ids["user"] = user.pk
    world.ids["username"] = user.profile.username  # for /u/<username>/ pages
    _add_tracker_rows(world)
    _add_staff_rows(world)
    return world


def _add_tracker_rows(world: World) -> None:
    try:
        from catalog.models import Title
        from reviews.models import Review
        from walks.models import Walk
    except ImportError:  # apps not built yet: path ids stay random
        return
    title = Title.objects.create(name="Fuzz Quest", type="game", release_year=2001, description="A target.")
    Title.objects.create(name="Fuzz Film", type="film", release_year=1999)
    world.ids["titles"] = title.pk
    world.ids["walks"] = Walk.objects.create(user=world.user, title=title, state="completed").pk
    world.ids["reviews"] = Review.objects.create(user=world.user, title=title, rating=70, text="Fine.").pk


def _add_staff_rows(world: World) -> None:
    try:
        from staff.models import Position, Staff
    except ImportError:
        return
    from django.db import transaction

    try:
        with transaction.atomic():
            position = Position.objects.create(name="Fuzz engineer", has_erp_access=True)
            staff = Staff.objects.create(
                full_name="Fuzz Person", email="fuzz.staff@example.com", phone="+79991234567", position=position
            )
    except Exception:
        return
    world.ids["positions"] = position.pk
    world.ids["staff"] = staff.pk
