"""Load the demo catalogue and a few demo people (idempotent: run it as often as you like)."""

from __future__ import annotations

import hashlib
import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from catalog.management.demo_data import CATALOGUE, REVIEW_LINES
from catalog.models import Title
from catalog.permissions import CURATORS_GROUP
from catalog.selectors import title_count_forget
from reviews.models import Review
from reviews.services import title_ratings_reconcile
from staff.models import Position
from walks.models import Walk, WalkState
from walks.tally import tally_recount

DEMO_PASSWORD = "walks-demo-2026"
# (e-mail, username, bio, links, share of the catalogue they walked)
PEOPLE = [
    (
        "demo@walks.localhost",
        "demo",
        "Plays a bit of everything, watches a lot more. This is the demo account.",
        ["https://example.com/demo"],
        0.30,
    ),
    ("curator@walks.localhost", "curator", "Keeps the catalogue tidy: names, years, covers.", [], 0.20),
    ("mira@walks.localhost", "mira", "Soulslikes and slow cinema.", ["https://example.com/mira"], 0.40),
    ("kenji@walks.localhost", "kenji", "Anime first, everything else second.", [], 0.35),
    ("sofia@walks.localhost", "sofia", "Series marathons on weekends.", [], 0.35),
    ("oleg@walks.localhost", "oleg", "Completionist. If it has achievements, I have them.", [], 0.30),
]


def _quality(name: str) -> int:
    """A stable "how good people think it is" for each title, 62..94."""
    return 62 + int(hashlib.sha256(name.encode()).hexdigest(), 16) % 33


DEMO_POSITIONS = [("Support engineer", True), ("Courier", False)]


class Command(BaseCommand):
    help = "Load the demo catalogue, demo users (password walks-demo-2026), their walks and reviews."

    @transaction.atomic
    def handle(self, *args, **options):
        titles = self._titles()
        people = self._people()
        walks, reviews = self._activity(titles, people)
        tally_recount(user_ids=[user.pk for user, _share in people])
        positions = self._positions()
        fixed = title_ratings_reconcile()
        title_count_forget(*CATALOGUE)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {len(titles)} titles, {len(people)} people, {walks} new walks, {reviews} new reviews, "
                f"{fixed} ratings recomputed, {positions} staff positions."
            )
        )
        self.stdout.write(f"Sign in as demo@walks.localhost / {DEMO_PASSWORD} (curator@walks.localhost is a curator).")

    def _titles(self) -> list[Title]:
        titles = []
        for type_, rows in CATALOGUE.items():
            for name, year, description in rows:
                title, _ = Title.objects.get_or_create(
                    type=type_, name=name, release_year=year, defaults={"description": description}
                )
                titles.append(title)
        return titles

    def _positions(self) -> int:
        """Two staff positions, so that the staff bot's walkthrough works on a fresh
        install: one whose people get a user (ERP access) and one whose do not."""
        for name, erp in DEMO_POSITIONS:
            Position.objects.get_or_create(name=name, defaults={"has_erp_access": erp})
        return len(DEMO_POSITIONS)

    def _people(self):
        User = get_user_model()
        curators, _ = Group.objects.get_or_create(name=CURATORS_GROUP)
        people = []
        for email, username, bio, links, share in PEOPLE:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, DEMO_PASSWORD, username=username)
                user.profile.bio, user.profile.links = bio, links
                user.profile.save(update_fields=["bio", "links"])
            elif not user.check_password(DEMO_PASSWORD):
                # The README promises this password: keep the promise.
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if username == "curator":
                user.groups.add(curators)
            people.append((user, share))
        return people

    def _activity(self, titles, people) -> tuple[int, int]:
        now = timezone.now()
        new_walks = new_reviews = 0
        for index, (user, share) in enumerate(people):
            rng = random.Random(f"walks-demo-{index}")
            picked = rng.sample(titles, k=int(len(titles) * share))
            for title in picked:
                state = rng.choices(
                    [WalkState.COMPLETED, WalkState.IN_PROGRESS, WalkState.HUNDRED_PERCENT], weights=[6, 3, 2]
                )[0]
                when = now - timedelta(hours=rng.randint(1, 24 * 120))
                walk, created = Walk.objects.get_or_create(user=user, title=title, defaults={"state": state})
                if created:
                    new_walks += 1
                    Walk.objects.filter(pk=walk.pk).update(updated_at=when, created_at=when)
                if state == WalkState.IN_PROGRESS or rng.random() > 0.7:
                    continue
                rating = max(0, min(100, _quality(title.name) + rng.randint(-12, 8)))
                mood = "high" if rating >= 85 else "mid" if rating >= 70 else "low"
                text = rng.choice(REVIEW_LINES[mood]) if rng.random() < 0.8 else ""
                review, created = Review.objects.get_or_create(
                    user=user, title=title, defaults={"rating": rating, "text": text}
                )
                if created:
                    new_reviews += 1
                    Review.objects.filter(pk=review.pk).update(updated_at=when, created_at=when)
        return new_walks, new_reviews
