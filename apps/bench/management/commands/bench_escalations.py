"""``manage.py bench_escalations``: a minute's escalation levels fired and paged, as JSON."""

from django.core.management.base import CommandError

from apps.bench import escalations as bench
from apps.bench.command import BenchCommand


class Command(BenchCommand):
    help = (
        "Time real Celery workers firing escalation levels that all fell due in the same minute, "
        "paging a local PagerDuty-like receiver and recording every answer, from the "
        "evaluation's tick to the last delivery recorded, against posting the same events to "
        "the receiver directly (PostgreSQL and Redis; run it on a scratch database)."
    )

    full_size = "10,000 levels due in one minute"

    def add_bench_arguments(self, parser):
        self.add_workers_argument(parser)
        parser.add_argument(
            "--redis-db",
            type=int,
            default=bench.REDIS_DB,
            help="Redis database for the broker (host from REDIS_URL); emptied by the bench.",
        )

    def run(self, *, scale, workers, redis_db, **options):
        if workers is not None and workers < 1:
            raise CommandError("--workers must be at least 1.")
        return bench.run(scale=scale, workers=workers, redis_db=redis_db)
