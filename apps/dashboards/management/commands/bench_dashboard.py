"""``manage.py bench_dashboard``: the portfolio page against the admin's contract list, as JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from apps.dashboards import bench


class Command(BaseCommand):
    help = (
        "Time the portfolio dashboard against the admin's contract changelist on 10,000 "
        "bulk-created contracts (PostgreSQL; everything is rolled back afterwards)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="Fraction of the full size (10,000 contracts). 0.01 for a quick run.",
        )
        parser.add_argument("--repeats", type=int, default=5, help="Timed runs per page.")

    def handle(self, *args, scale, repeats, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be in (0, 10].")
        try:
            report = bench.run(scale=scale, repeats=max(repeats, 1))
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(report, indent=2))
