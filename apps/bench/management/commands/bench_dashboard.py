"""``manage.py bench_dashboard``: the portfolio page against the admin's contract list, as JSON."""

from apps.bench import dashboard as bench
from apps.bench.command import BenchCommand


class Command(BenchCommand):
    help = (
        "Time the portfolio dashboard against the admin's contract changelist on 10,000 "
        "bulk-created contracts (PostgreSQL; everything is rolled back afterwards)."
    )

    full_size = "10,000 contracts"

    def add_bench_arguments(self, parser):
        parser.add_argument("--repeats", type=int, default=5, help="Timed runs per page.")

    def run(self, *, scale, repeats, **options):
        return bench.run(scale=scale, repeats=max(repeats, 1))
