"""``manage.py bench``: ingestion and aggregation benchmarks on PostgreSQL, printed as JSON."""

from apps.bench import ingestion as bench
from apps.bench.command import BenchCommand


class Command(BenchCommand):
    help = (
        "Benchmark sample ingestion and period aggregation against a floor measured in the "
        "same run (PostgreSQL)."
    )

    full_size = "1,000,000 ingested rows; 200 indicators × a year of hourly samples"

    def add_bench_arguments(self, parser):
        parser.add_argument("--repeats", type=int, default=5, help="Runs per timed query.")

    def run(self, *, scale, repeats, **options):
        return bench.run(scale=scale, repeats=max(repeats, 1))
