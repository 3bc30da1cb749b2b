"""Real components: a Celery worker process on Redis generating packets into PostgreSQL.

The cycle is opened by the management command in another process, so everything crosses real
process boundaries: commit → broker → worker → database. These tests need committed data that
other processes see, hence transactional tests. They skip locally without PostgreSQL or Redis
and fail in CI (``require``).
"""

import signal
import subprocess
import sys
import time

import pytest
from celery import Celery

from apps.reviews.choices import CycleStatus, PacketStatus
from apps.reviews.models import ReviewCycle, ReviewPacket
from tests.celery_worker import ROOT, Worker, redis_url, require_services
from tests.factories import ServiceFactory

from .conftest import YEAR

REDIS_DB = 7  # this suite's own Redis database: flushed before and after each test
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def worker(transactional_db, tmp_path):
    require_services(REDIS_DB)
    worker = Worker(
        tmp_path,
        redis_db=REDIS_DB,
        name="reviews-test",
        queues="reviews,celery",
        CELERY_VISIBILITY_TIMEOUT="6",
        REVIEW_PACKET_TEST_DELAY="0",
    )
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
    worker.start(concurrency=2)
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
    worker.start(concurrency=2, REVIEW_PACKET_TEST_DELAY="4")
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

    worker.start(
        concurrency=2
    )  # Redis hands the unacknowledged messages back after the visibility timeout
    cycle = _wait_for(_cycle_finished, 120, worker, "the cycle to complete after the restart")
    assert cycle.status == CycleStatus.COMPLETE, worker.logs()
    _assert_one_ready_packet_per_scope(cycle)
    resumed = ReviewPacket.objects.get(pk=killed.pk)
    assert resumed.task_id == killed.task_id  # the same message, resumed, not a second packet
    assert resumed.attempts >= 2


def _sweep(worker: Worker) -> None:
    """What the beat schedule sends: the stalled-cycle sweep, to the reviews queue."""
    # Not the current app: the project's shared tasks must stay bound to the project's app.
    Celery(broker=redis_url(worker.redis_db), set_as_current=False).send_task(
        "apps.reviews.tasks.resume_stalled_cycles", queue="reviews"
    )


@pytest.mark.django_db(transaction=True)
def test_a_cycle_whose_worker_was_killed_completes_by_the_sweep_whatever_the_visibility_timeout(
    worker, reviewed
):
    # An hour of visibility timeout: the killed worker's messages stay with Redis past the
    # end of this test. The sweep alone must bring the cycle to its end.
    slow = {"CELERY_VISIBILITY_TIMEOUT": "3600", "REVIEW_TASK_LOST_SECONDS": "3"}
    _scopes()
    worker.start(concurrency=2, REVIEW_PACKET_TEST_DELAY="30", **slow)
    _open_cycle_in_another_process(worker)
    running = _wait_for(
        lambda: list(ReviewPacket.objects.filter(status=PacketStatus.RUNNING)),
        60,
        worker,
        "a packet to start",
    )
    worker.kill(signal.SIGKILL)
    killed = ReviewPacket.objects.get(pk=running[0].pk)
    assert killed.status == PacketStatus.RUNNING

    worker.start(concurrency=2, REVIEW_PACKET_TEST_DELAY="0", **slow)

    def swept_to_the_end():
        _sweep(worker)
        time.sleep(1)
        return _cycle_finished()

    cycle = _wait_for(swept_to_the_end, 90, worker, "the sweep to complete the cycle")
    assert cycle.status == CycleStatus.COMPLETE, worker.logs()
    assert cycle.note == "4 packets ready."
    _assert_one_ready_packet_per_scope(cycle)
    resumed = ReviewPacket.objects.get(pk=killed.pk)
    # Sent again by the sweep under a new task, long before Redis hands the old message back.
    assert resumed.task_id != killed.task_id and resumed.attempts >= 2
