from __future__ import annotations

from django.core.management.base import BaseCommand

from walks.tally import tally_reconcile


class Command(BaseCommand):
    help = "Compare every person's kept walk counts with a fresh count, repair the drift and say how much there was."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000, help="people per comparison (default 2000)")

    def handle(self, *args, batch_size: int, **options):
        report = tally_reconcile(batch_size=batch_size)
        self.stdout.write(
            "Walk counts: {rows} repaired, of {people} people, off by {walks} walks in all.".format(**report)
        )
