"""``manage.py bench``: ingestion and aggregation benchmarks on PostgreSQL, printed as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from apps.measurements import bench


class Command(BaseCommand):
    help = (
        "Benchmark sample ingestion and period aggregation against a floor measured in the "
        "same run (PostgreSQL)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Fraction of the full size (1,000,000 ingested rows; 200 indicators × a year "
            "of hourly samples). 0.01 for a quick run.",
        )
        parser.add_argument("--repeats", type=int, default=5, help="Runs per timed query.")

    def handle(self, *args, scale, repeats, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be in (0, 10].")
        try:
            report = bench.run(scale=scale, repeats=max(repeats, 1))
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(report, indent=2))
