"""Benchmark of a full annual review cycle, run by real Celery workers, against its floor.

Workload (``scale`` 1.0): 200 services with one availability indicator and an active SLO each,
2,000 signed contracts spread over 200 customers with one SLA line each, and a year of hourly
samples per indicator (200 × 8,760 = 1.75 M rows, loaded with a binary COPY; setup is not
timed).

- ours: open the review cycle of that year through ``services.review_cycle_open`` and let real
  ``celery worker`` processes (subprocesses on the ``celery`` and ``reviews`` queues, on Redis)
  generate every packet; the time from opening until the cycle is complete.
- floor: one hand-written SQL query computing the monthly good/total aggregates of every
  indicator over the year (GROUP BY indicator, month). The cycle writes more than that (one
  packet per service AND one per customer, with credits, buffers, changes and renewals), but
  these aggregates are what it fundamentally needs from the 1.75 M rows; everything else is our
  overhead, hence the ratio.

Both are medians: the cycle is run ``runs`` times (3 by default), each time by workers started
afresh, so that no run finds the caches of an earlier one warm; the floor is timed three times
just before each cycle. The ratio is the median cycle over the median floor.

Nothing is written to the database the bench is pointed at: it creates a scratch database
(``bench_reviews_<tag>``) on the same server, migrates it, runs there and drops it. The parent
process (``run``) owns the scratch database and the worker processes; child Python processes,
configured like the workers (DATABASE_URL of the scratch database, REDIS_URL, eager Celery off),
load the data (``load``) and take the timings of each run (``measure``), so that the cycle goes
through the broker exactly as in production. PostgreSQL only.
"""

from __future__ import annotations

import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

from apps.bench.ingestion import hand_written_group_by

ROOT = Path(__file__).resolve().parents[2]
SERVICES = 200
CONTRACTS = 2_000
CUSTOMERS = 200
HOURS_PER_YEAR = 8_760
TARGET_RATIO = 3.0
REDIS_DB = 10
WORKER_READY_TIMEOUT = 60
FLOOR_RUNS = 3
RUNS = 3
POLL_SECONDS = 0.5


# --- the parent: scratch database, worker processes, the child that measures ------------------


def _server_url(database: str) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{database}"


def redis_url(db: int) -> str:
    base = os.environ.get("REDIS_URL") or settings.REDIS_URL or "redis://127.0.0.1:6379/0"
    return urlunsplit(urlsplit(base)._replace(path=f"/{db}"))


def _check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as error:
        raise RuntimeError(f"The bench needs Redis at {url}: {error}") from error


def _empty_redis(url: str) -> None:
    """The bench's own Redis database, emptied: messages that the workers of earlier runs
    handed back when they stopped belong to scratch databases that are gone."""
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()


def _env(database_url: str, broker: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "TEST_DB_NAME"}
    env.update(
        DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE,
        DATABASE_URL=database_url,
        REDIS_URL=broker,
        CELERY_EAGER="0",  # the test settings run tasks in-process unless told otherwise
        REVIEW_PACKET_TEST_DELAY="0",
        DEBUG="0",  # as in production: no per-query bookkeeping in the workers
    )
    return env


class Workers:
    """One ``celery worker`` process group (prefork, ``concurrency`` children)."""

    def __init__(self, env: dict, concurrency: int, logdir: Path, name: str = "bench-reviews"):
        logdir.mkdir(parents=True, exist_ok=True)
        self.log_path = logdir / "worker.log"
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "config",
                "worker",
                "-Q",
                "celery,reviews",
                "--concurrency",
                str(concurrency),
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}-{os.getpid()}@%h",
                "--loglevel",
                "INFO",
                "--logfile",
                str(self.log_path),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it takes the children too
        )

    def logs(self) -> str:
        return self.log_path.read_text()[-3000:] if self.log_path.exists() else ""

    def wait_ready(self) -> None:
        deadline = time.monotonic() + WORKER_READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The Celery worker exited early:\n{self.logs()}")
            if " ready." in self.logs():
                return
            time.sleep(0.1)
        raise RuntimeError(f"The Celery worker was not ready in time:\n{self.logs()}")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


def _admin(sql: str) -> None:
    # CREATE/DROP DATABASE cannot run in a transaction: the connection is in autocommit here.
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _child(env: dict, call: str, workers: Workers | None = None) -> dict:
    """Run ``bench.<call>`` in a child process configured like the workers; its report."""
    code = (
        "import django, json; django.setup(); from apps.bench import reviews as bench; "
        f"print('BENCH ' + json.dumps(bench.{call}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("BENCH ")]
    if result.returncode or not lines:
        logs = f"\nWorker log:\n{workers.logs()}" if workers else ""
        raise RuntimeError(f"The review bench failed:\n{result.stderr[-4000:]}{logs}")
    return json.loads(lines[-1].removeprefix("BENCH "))


def run(
    *,
    scale: float = 1.0,
    workers: int | None = None,
    redis_db: int = REDIS_DB,
    runs: int = RUNS,
) -> dict:
    """Scratch database up and loaded, then ``runs`` times: workers started, the child times
    the floor and a cycle, workers stopped; everything torn down; the report.

    ``workers``: the pool's processes; by default as many as a worker started without the
    option runs (CELERY_WORKER_CONCURRENCY).
    """
    workers = settings.CELERY_WORKER_CONCURRENCY if workers is None else workers
    if connection.vendor != "postgresql":
        raise RuntimeError("The review bench needs PostgreSQL (set DATABASE_URL=postgres://…).")
    from apps.reviews.services import previous_year

    broker = redis_url(redis_db)
    _check_redis(broker)
    scratch = f"bench_reviews_{uuid.uuid4().hex[:10]}"
    env = _env(_server_url(scratch), broker)
    year = previous_year()
    timeout = 60 + 600 * scale
    _admin(f'CREATE DATABASE "{scratch}"')
    try:
        with tempfile.TemporaryDirectory(prefix="bench-reviews-") as logdir:
            report = _child(env, f"load(scale={scale!r}, year={year})")
            cycles = []
            for index in range(runs):
                _empty_redis(broker)
                pool = Workers(env, workers, Path(logdir) / f"run-{index}")
                try:
                    pool.wait_ready()
                    cycles.append(_child(env, f"measure(year={year}, timeout={timeout!r})", pool))
                finally:
                    pool.stop()
    finally:
        connection.close()  # a fresh connection for the DROP, whatever state this one is in
        _admin(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    report.update(_summary(cycles), workers=workers, scratch_database=scratch)
    return report


def _summary(cycles: list[dict]) -> dict:
    """The medians and their ratio; the packets of the first run that did not complete every
    packet (or of the last run), and every run's figures."""
    ours = statistics.median(c["ours_seconds"] for c in cycles)
    floor = statistics.median(f for c in cycles for f in c["floor_samples"])
    shown = next((c for c in cycles if c["packets_ready"] != c["packets"]), cycles[-1])
    return {
        "runs": len(cycles),
        "packets": shown["packets"],
        "packets_ready": shown["packets_ready"],
        "cycle_status": shown["cycle_status"],
        "cycle_note": shown["cycle_note"],
        "ours_seconds": round(ours, 4),
        # Six places: at tiny scales the floor is well under a millisecond.
        "floor_seconds": round(floor, 6),
        "ratio": round(ours / floor, 2),
        "target_ratio": TARGET_RATIO,
        "ours_runs": [round(c["ours_seconds"], 4) for c in cycles],
        "floor_runs": [round(statistics.median(c["floor_samples"]), 6) for c in cycles],
    }


# --- the child: data, floor and the timed cycle, on the scratch database ----------------------


def _sizes(scale: float) -> tuple[int, int, int, int]:
    hours = HOURS_PER_YEAR if scale >= 0.1 else max(int(HOURS_PER_YEAR * scale * 10), 48)
    return (
        max(int(SERVICES * scale), 2),
        max(int(CONTRACTS * scale), 4),
        max(int(CUSTOMERS * scale), 2),
        hours,
    )


def _copy_samples(indicator_ids: list[int], year_start: datetime, hours: int) -> int:
    """A year of hourly buckets per indicator by binary COPY; one in ten services runs badly."""
    stamps = [year_start + timedelta(hours=h) for h in range(hours + 1)]
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            'COPY measurements_slisample (indicator_id, start, "end", good, total) '
            "FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "timestamptz", "timestamptz", "int8", "int8"])
            for index, indicator_id in enumerate(indicator_ids):
                spread = 20_000 if index % 10 == 0 else 500
                for h in range(hours):
                    bad = (h * 7919 + indicator_id * 104_729) % spread
                    copy.write_row(
                        (indicator_id, stamps[h], stamps[h + 1], 3_600_000 - bad, 3_600_000)
                    )
        cursor.execute("ANALYZE")
    return len(indicator_ids) * hours


def populate(scale: float, year: int) -> dict:
    from django.contrib.auth import get_user_model

    from apps.catalog.choices import IndicatorKind
    from apps.catalog.models import Customer, Indicator, Service, Team
    from apps.contracts.choices import ContractStatus
    from apps.contracts.models import Commitment, Contract, CreditSchedule, CreditTier
    from apps.slos.models import SLO

    services_wanted, contracts_wanted, customers_wanted, hours = _sizes(scale)
    rng = random.Random(20260415)
    tag = uuid.uuid4().hex[:8]
    user = get_user_model().objects.create_user(f"bench-{tag}", password=None)
    team = Team.objects.create(name=f"bench-{tag}")
    services = Service.objects.bulk_create(
        Service(slug=f"bench-{tag}-{i}", name=f"Bench service {i:03}", team=team)
        for i in range(services_wanted)
    )
    indicators = Indicator.objects.bulk_create(
        Indicator(service=s, name="Availability", kind=IndicatorKind.AVAILABILITY) for s in services
    )
    SLO.objects.bulk_create(
        SLO(indicator=i, target=Decimal("99.9"), status="active") for i in indicators
    )
    schedule = CreditSchedule.objects.create(name=f"bench-{tag}", cap_percent=Decimal(50))
    CreditTier.objects.bulk_create(
        CreditTier(schedule=schedule, lower=low, upper=high, credit_percent=pct)
        for low, high, pct in [
            (Decimal("99.0"), Decimal("99.5"), Decimal(10)),
            (Decimal("95.0"), Decimal("99.0"), Decimal(25)),
            (None, Decimal("95.0"), Decimal(100)),
        ]
    )
    customers = Customer.objects.bulk_create(
        Customer(name=f"bench-{tag} customer {i:03}") for i in range(customers_wanted)
    )
    signed = datetime(year - 1, 12, 1, tzinfo=UTC)
    contracts = Contract.objects.bulk_create(
        (
            Contract(
                customer=customers[i % len(customers)],
                number=f"B-{tag}-{i}",
                monthly_fee=Decimal(rng.choice([500, 1200, 2500, 4000, 9900])),
                start_date=date(year - 1, 1, 1) + timedelta(days=rng.randrange(700)),
                renewal_date=date(year + 1, 1, 1) + timedelta(days=rng.randrange(500)),
                owner=user,
                status=ContractStatus.SIGNED,
                signed_at=signed,
                signed_by=user,
            )
            for i in range(contracts_wanted)
        ),
        batch_size=2_000,
    )
    Commitment.objects.bulk_create(
        (
            Commitment(
                contract=contract,
                indicator=rng.choice(indicators),
                target=Decimal("99.5"),
                credit_schedule=schedule,
            )
            for contract in contracts
        ),
        batch_size=2_000,
    )
    samples = _copy_samples([i.pk for i in indicators], datetime(year, 1, 1, tzinfo=UTC), hours)
    return {
        "services": len(services),
        "contracts": len(contracts),
        "customers": len(customers),
        "samples": samples,
    }


def floor_samples(ids: list[int], year: int) -> list[float]:
    """``FLOOR_RUNS`` timings of the one hand-written GROUP BY (indicator, month)."""
    first, last = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    times = []
    for _ in range(FLOOR_RUNS):
        began = time.perf_counter()
        rows = hand_written_group_by(ids, first, last)
        times.append(time.perf_counter() - began)
        if not rows:
            raise RuntimeError("The floor query found no samples.")
    return times


def _warm_broker() -> None:
    """Connect this process to the broker and declare its queues before the clock starts, as a
    web process or worker that has sent a task before has: the first message a process sends
    otherwise pays for both (about 70 ms here), which no cycle opened in production does."""
    from config.celery_app import app

    with app.producer_or_acquire() as producer:
        producer.connection.ensure_connection()
        for queue in app.amqp.queues.values():
            queue(producer.channel).declare()


def cycle_seconds(year: int, timeout: float):
    """Open the cycle and wait for the workers to finish it; (seconds, cycle).

    The wait LISTENs for the notification the cycle's end sends when it commits
    (``generation.CYCLE_FINISHED_CHANNEL``) instead of polling beside the workers, whose CPU a
    poll fifty times a second took; the status is still read every ``POLL_SECONDS``, in case.
    """
    from apps.reviews import generation, services
    from apps.reviews.choices import CycleStatus
    from apps.reviews.models import ReviewCycle

    status = f"SELECT status FROM {ReviewCycle._meta.db_table} WHERE id = %s"
    finished = (CycleStatus.COMPLETE, CycleStatus.FAILED)
    _warm_broker()
    connection.ensure_connection()
    listener = connection.connection  # autocommit: notifications arrive as they are sent
    listener.execute(f"LISTEN {generation.CYCLE_FINISHED_CHANNEL}")
    try:
        began = time.perf_counter()
        cycle = services.review_cycle_open(year=year, user=None)
        deadline = began + timeout
        while not any(n.payload == str(cycle.pk) for n in listener.notifies(timeout=POLL_SECONDS)):
            if listener.execute(status, [cycle.pk]).fetchone()[0] in finished:
                break
            if time.perf_counter() > deadline:
                raise RuntimeError(f"The review cycle did not complete within {timeout:.0f} s.")
        elapsed = time.perf_counter() - began
    finally:
        listener.execute(f"UNLISTEN {generation.CYCLE_FINISHED_CHANNEL}")
    cycle.refresh_from_db()
    return elapsed, cycle


def load(*, scale: float, year: int) -> dict:
    """In a child process: migrate the scratch database and load the workload; its sizes."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    built = populate(scale, year)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return {
        "workload": "review_cycle",
        "scale": scale,
        "year": year,
        "postgresql": version,
        "services": built["services"],
        "contracts": built["contracts"],
        "customers": built["customers"],
        "samples": built["samples"],
    }


def _forget_cycles(year: int) -> None:
    """An earlier run's cycle of the year, gone (its history rows stay), so that the year can
    be opened again."""
    from apps.reviews.models import ReviewCycle, ReviewPacket

    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {ReviewPacket._meta.db_table} WHERE cycle_id IN "
            f"(SELECT id FROM {ReviewCycle._meta.db_table} WHERE year = %s)",
            [year],
        )
        cursor.execute(f"DELETE FROM {ReviewCycle._meta.db_table} WHERE year = %s", [year])


def measure(*, year: int, timeout: float) -> dict:
    """In a child process, with the workers up: the floor's timings, then one cycle's."""
    from apps.catalog.models import Indicator
    from apps.reviews.choices import PacketStatus
    from apps.reviews.models import ReviewPacket

    _forget_cycles(year)
    floors = floor_samples(list(Indicator.objects.values_list("pk", flat=True)), year)
    ours, cycle = cycle_seconds(year, timeout)
    packets = ReviewPacket.objects.filter(cycle=cycle)
    return {
        "ours_seconds": ours,
        "floor_samples": floors,
        "packets": packets.count(),
        "packets_ready": packets.filter(status=PacketStatus.READY).count(),
        "cycle_status": cycle.status,
        "cycle_note": cycle.note,
    }
