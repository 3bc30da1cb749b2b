"""Real components: a Celery worker process on Redis generating packets into PostgreSQL.

The cycle is opened by the management command in another process, so everything crosses real
process boundaries: commit → broker → worker → database. These tests need committed data that
other processes see, hence transactional tests. They skip locally without PostgreSQL or Redis
and fail in CI (``require``).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.db import connection

from apps.reviews.choices import CycleStatus, PacketStatus
from apps.reviews.models import ReviewCycle, ReviewPacket
from tests.conftest import require
from tests.factories import ServiceFactory

from .conftest import YEAR

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 7  # this suite's own Redis database: flushed before and after each test
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _redis_url() -> str:
    base = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit(base._replace(path=f"/{REDIS_DB}"))


def _database_url() -> str:
    """The test database pytest-django created, for the other processes to use."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{s['NAME']}"


def _redis_client():
    import redis

    return redis.Redis.from_url(_redis_url(), socket_connect_timeout=2)


@pytest.fixture
def services_up(transactional_db):
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://…")
    try:
        _redis_client().ping()
        reachable = True
    except Exception:
        reachable = False
    require(reachable, f"needs Redis at {_redis_url()}")
    _redis_client().flushdb()
    yield
    _redis_client().flushdb()


class Worker:
    """A ``celery worker`` process group, started and killed by the test."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.process = None
        self.starts = 0

    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "TEST_DB_NAME"}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=_database_url(),
            REDIS_URL=_redis_url(),
            CELERY_EAGER="0",
            CELERY_VISIBILITY_TIMEOUT="6",
            REVIEW_PACKET_TEST_DELAY="0",
        )
        env.update(extra)
        return env

    def start(self, **extra):
        self.starts += 1
        log = open(self.tmp_path / f"worker-{self.starts}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/celery"),
                "-A",
                "config",
                "worker",
                "-Q",
                "reviews,celery",
                "--concurrency",
                "2",
                "--pool",
                "prefork",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"reviews-test-{os.getpid()}-{self.starts}@%h",
                "--loglevel",
                "INFO",
            ],
            cwd=ROOT,
            env=self.env(**extra),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the kill takes the children too
        )

    def kill(self, sig=signal.SIGKILL):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.tmp_path.glob("worker-*.log")))


@pytest.fixture
def worker(services_up, tmp_path):
    worker = Worker(tmp_path)
    yield worker
    worker.stop()


def _open_cycle_in_another_process(worker: Worker) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "open_review_cycle", "--year", str(YEAR)],
        cwd=ROOT,
        env=worker.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def _wait_for(predicate, timeout: float, worker: Worker, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.\nWorker logs:\n{worker.logs()}")


def _cycle_finished():
    cycle = ReviewCycle.objects.filter(year=YEAR).first()
    return cycle if cycle and cycle.status in (CycleStatus.COMPLETE, CycleStatus.FAILED) else None


def _scopes(worker_data_services=2):
    for number in range(worker_data_services):
        ServiceFactory(slug=f"worker-{number}")


def _assert_one_ready_packet_per_scope(cycle):
    packets = list(ReviewPacket.objects.filter(cycle=cycle))
    keys = [(p.scope, p.scope_id) for p in packets]
    assert len(keys) == len(set(keys)) == 4  # payments, two more services, Acme
    assert {p.status for p in packets} == {PacketStatus.READY}
    assert all(p.version == 1 and len(p.content_hash) == 64 for p in packets)
    return packets


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_generates_every_packet_of_a_cycle(worker, reviewed):
    _scopes()
    worker.start()
    _open_cycle_in_another_process(worker)
    cycle = _wait_for(_cycle_finished, 90, worker, "the cycle to complete")
    assert cycle.status == CycleStatus.COMPLETE, worker.logs()
    assert cycle.note == "4 packets ready."
    packets = _assert_one_ready_packet_per_scope(cycle)
    service = next(p for p in packets if p.scope == "service" and p.scope_label == "Payments API")
    assert service.data["slas"][0]["credits_owed"] == "3500.00"


@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_mid_packet_still_completes_with_one_packet_per_scope(worker, reviewed):
    _scopes()
    worker.start(REVIEW_PACKET_TEST_DELAY="4")
    _open_cycle_in_another_process(worker)
    running = _wait_for(
        lambda: list(ReviewPacket.objects.filter(status=PacketStatus.RUNNING)),
        60,
        worker,
        "a packet to start",
    )
    worker.kill(signal.SIGKILL)
    killed = ReviewPacket.objects.get(pk=running[0].pk)
    assert killed.status == PacketStatus.RUNNING  # died mid-packet: nothing written

    worker.start()  # Redis hands the unacknowledged messages back after the visibility timeout
    cycle = _wait_for(_cycle_finished, 120, worker, "the cycle to complete after the restart")
    assert cycle.status == CycleStatus.COMPLETE, worker.logs()
    _assert_one_ready_packet_per_scope(cycle)
    resumed = ReviewPacket.objects.get(pk=killed.pk)
    assert resumed.task_id == killed.task_id  # the same message, resumed, not a second packet
    assert resumed.attempts >= 2
