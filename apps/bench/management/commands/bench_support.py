"""``manage.py bench_support``: the clock sweep and bulk event ingestion, as JSON."""

from apps.bench import support as bench
from apps.bench.command import BenchCommand


class Command(BenchCommand):
    help = (
        "Benchmark the clock sweep (one evaluation against the hand-written SELECT of due "
        "clocks) and bulk event ingestion (against a COPY of the same rows) on PostgreSQL."
    )

    full_size = "100,000 open tickets, 1,000 due; 1,000,000 events of 100,000 tickets"

    def add_bench_arguments(self, parser):
        parser.add_argument("--repeats", type=int, default=5, help="Timed sweeps of each.")
        parser.add_argument(
            "--only", choices=["sweep", "ingest"], help="Run one of the two benchmarks."
        )

    def run(self, *, scale, repeats, only=None, **options):
        return bench.run(scale=scale, repeats=max(repeats, 1), only=only)
