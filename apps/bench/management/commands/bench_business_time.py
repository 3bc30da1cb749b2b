"""``manage.py bench_business_time``: business-time dues against adding a timedelta, as JSON."""

from apps.bench import business_time as bench
from apps.bench.command import BenchCommand


class Command(BenchCommand):
    help = (
        "Time 100,000 due computations over a year on a 09:00-17:00 weekday calendar with "
        "bank holidays against adding a plain timedelta to the same starts (no database)."
    )

    full_size = "100,000 due computations"

    def add_bench_arguments(self, parser):
        parser.add_argument("--repeats", type=int, default=3, help="Timed passes of each.")

    def run(self, *, scale, repeats, **options):
        return bench.run(scale=scale, repeats=max(repeats, 1))
