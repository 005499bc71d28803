"""A profile URL's username is found in any case, through the LOWER(username) index."""

from __future__ import annotations

import pytest

from accounts.models import Profile, UsernameHistory, username_matches
from accounts.selectors import user_by_handle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_username_is_found_in_any_case():
    user = UserFactory(username="Walker42")
    UserFactory(username="walker420")
    for handle in ("Walker42", "walker42", "WALKER42"):
        assert user_by_handle(handle=handle).pk == user.pk
    assert list(username_matches(Profile.objects, "wALKER42").values_list("user_id", flat=True)) == [user.pk]


def test_a_former_username_is_found_in_any_case():
    user = UserFactory(username="now")
    UsernameHistory.objects.create(user=user, username="Before")
    assert user_by_handle(handle="BEFORE").pk == user.pk


@pytest.mark.postgres
def test_the_lookup_reads_the_lower_username_index():
    """``iexact`` compiles to UPPER() on PostgreSQL, which the LOWER() index
    cannot serve: every profile page scanned all profiles (15 ms at 100,000)."""
    from django.db import connection

    UserFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # a table this small is scanned whatever the indexes
        try:
            plan = username_matches(Profile.objects, "Somebody").explain()
            former = username_matches(UsernameHistory.objects, "Somebody").explain()
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "accounts_profile_username_ci_unique" in plan
    assert "accounts_old_username_ci" in former
