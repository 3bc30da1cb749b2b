"""The shape every benchmark command shares: ``--scale``, a JSON report, errors as CommandError."""

import json

from django.core.management.base import BaseCommand, CommandError


class BenchCommand(BaseCommand):
    """Subclasses say what full size means and run the benchmark; this prints its report."""

    full_size = ""

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help=f"Fraction of the full size ({self.full_size}). 0.01 for a quick run.",
        )
        self.add_bench_arguments(parser)

    def add_bench_arguments(self, parser):
        """Options of this benchmark beyond --scale."""

    @staticmethod
    def add_workers_argument(parser):
        """``--workers``, for the benchmarks run by real Celery workers."""
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Worker processes (the Celery worker's prefork concurrency); default: the "
            "project's CELERY_WORKER_CONCURRENCY, as a worker started without the option runs.",
        )

    def run(self, *, scale: float, **options) -> dict:
        raise NotImplementedError

    def handle(self, *args, scale, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be in (0, 10].")
        try:
            report = self.run(scale=scale, **options)
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(report, indent=2))
