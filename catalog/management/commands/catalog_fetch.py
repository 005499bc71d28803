"""Seed the catalogue from a provider's popular titles.

    python manage.py catalog_fetch --provider tmdb --type film --popular 100
    python manage.py catalog_fetch --provider anilist --popular 50     # popular anime
    python manage.py catalog_fetch --provider igdb --popular 50        # popular games

Idempotent: a title Walks has (by its provider id) is kept as it is, so a
second run adds only what is new in the list. Covers follow in tasks.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from catalog import provider_services
from catalog.models import Provider
from catalog.providers import provider_get
from core.errors import ServiceError


class Progress:
    """A one-line progress bar on a terminal; plain lines otherwise."""

    def __init__(self, total: int, out) -> None:
        self.total, self.done, self.out = total, 0, out
        self.tty = hasattr(out, "isatty") and out.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        width = 30
        filled = width * self.done // max(self.total, 1)
        line = f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {label[:40]}"
        if self.tty:
            self.out.write("\r" + line.ljust(100))
            self.out.flush()
        elif self.done == self.total or self.done % 10 == 0:
            self.out.write(line + "\n")

    def close(self) -> None:
        if self.tty:
            self.out.write("\n")


class Command(BaseCommand):
    help = "Add a provider's popular titles to the catalogue (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--provider", required=True, choices=[Provider.TMDB, Provider.IGDB, Provider.ANILIST])
        parser.add_argument("--type", help="film or series for TMDB; games and anime by default for IGDB and AniList")
        parser.add_argument("--popular", type=int, default=50, metavar="N", help="how many (default 50, at most 1000)")
        parser.add_argument("--language", default="en", help="the provider's language for names (TMDB), e.g. ru")

    def handle(self, *args, provider, type, popular, language, **options):
        if not 1 <= popular <= 1000:
            raise CommandError("--popular takes 1 to 1000.")
        try:
            adapter = provider_get(provider)
        except ServiceError as exc:
            raise CommandError(f"{provider} is not configured: see the README (provider settings).") from exc
        type = type or adapter.types[0]
        if type not in adapter.types:
            raise CommandError(f"{provider} serves: {', '.join(adapter.types)}.")
        results, page = [], 1
        while len(results) < popular:
            try:
                batch = adapter.popular(type=type, page=page, language=language)
            except ServiceError as exc:
                raise CommandError(f"{provider}: {exc.detail} ({exc.code})") from exc
            if not batch:
                break
            results.extend(batch)
            page += 1
        results = results[:popular]
        created = kept = skipped = 0
        progress = Progress(len(results), self.stdout._out if hasattr(self.stdout, "_out") else sys.stdout)
        for result in results:
            try:
                _title, new = provider_services.title_from_result(result=result)
            except ServiceError as exc:
                skipped += 1
                self.stderr.write(f"skipped {result.provider}:{result.external_id} {result.name!r}: {exc.detail}")
            else:
                created += new
                kept += not new
            progress.step(result.name)
        progress.close()
        self.stdout.write(self.style.SUCCESS(f"{created} added, {kept} already there, {skipped} skipped."))
