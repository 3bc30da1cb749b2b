"""The fault test: the broker goes down while people approve, sign and open a review cycle.

Every committed action answers success, nothing is lost, and the work they left for Celery
(the cycle's packets, drift notices) runs once the broker is back. Real components: a private
``redis-server`` that the test stops and starts again, a ``celery worker`` process on it, and
PostgreSQL. Skips locally without them; fails in CI (``require``).
"""

import signal
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.contracts.models import SignOff
from apps.notifications import tasks as notification_tasks
from apps.notifications.choices import DeliveryStatus
from apps.notifications.models import NotificationDelivery
from apps.reviews.choices import CycleStatus, PacketStatus
from apps.reviews.models import ReviewCycle, ReviewPacket
from tests.broker import RedisServer, celery_broker
from tests.celery_worker import Worker
from tests.conftest import api_as, require
from tests.factories import CommitmentFactory, ContractFactory

from .conftest import YEAR

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def broker(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker(transactional_db, tmp_path, broker):
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://…")
    worker = Worker(
        tmp_path,
        redis_db=0,  # unused: REDIS_URL points the worker at the private broker
        name="outage-test",
        queues="reviews,celery",
        REDIS_URL=broker.url,
        REVIEW_TASK_LOST_SECONDS="3",
    )
    worker.start(concurrency=2)
    yield worker
    worker.kill(signal.SIGTERM)  # not stop(): that flushes a database of the shared Redis


def _wait_for(predicate, timeout: float, worker: Worker, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.\nWorker logs:\n{worker.logs()}")


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_every_committed_action_succeeds_and_its_jobs_run_once_it_is_back(
    worker, broker, reviewed, slo, alice, bob, carol, dave, acme, availability, schedule
):
    contract = ContractFactory(customer=acme, owner=alice, number="ACME-002")
    line = CommitmentFactory(
        contract=contract, indicator=availability, target=Decimal("99.8"), credit_schedule=schedule
    )
    sales, engineer, legal, leadership = (api_as(u) for u in (alice, bob, carol, dave))
    contract_url = f"/api/v1/contracts/{contract.pk}/"

    with celery_broker(broker.url):
        broker.stop()  # the broker goes down

        assert sales.post(contract_url + "submit/").status_code == 200
        approved = engineer.post(
            f"/api/v1/commitments/{line.pk}/signoffs/", {"decision": "approve"}, format="json"
        )
        assert approved.status_code == 201, approved.content
        assert legal.post(contract_url + "legal-approve/").status_code == 200
        signed = legal.post(contract_url + "sign/")
        assert signed.status_code == 200, signed.content
        # Loosening the SLO drifts both signed lines: notices to their owners and legal.
        loosened = engineer.patch(f"/api/v1/slos/{slo.pk}/", {"target": "99.85"}, format="json")
        assert loosened.status_code == 200, loosened.content
        opened = leadership.post("/api/v1/review-cycles/", {"year": YEAR}, format="json")
        assert opened.status_code == 201, opened.content

        # Nothing lost: every action committed, its jobs wait in the database.
        contract.refresh_from_db()
        assert contract.status == ContractStatus.SIGNED
        assert SignOff.objects.filter(commitment=line, voided_at__isnull=True).count() == 1
        cycle = ReviewCycle.objects.get(year=YEAR)
        assert cycle.status == CycleStatus.GENERATING
        packets = set(ReviewPacket.objects.filter(cycle=cycle).values_list("status", flat=True))
        assert packets == {PacketStatus.PENDING}
        notices = NotificationDelivery.objects.all()
        assert notices.count() >= 2
        assert set(notices.values_list("status", flat=True)) == {DeliveryStatus.PENDING}

        broker.start()  # back, empty: whatever it held before is gone too

        # The schedule's sweeps, as beat sends them: drift's requeue of notices never sent
        # (its grace run past, as it would be by then) and the stalled-cycle sweep.
        later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_CLAIM_SECONDS + 1)
        assert notification_tasks.requeue_lost_deliveries(now=later) == notices.count()
        sweeper = Celery(broker=broker.url, set_as_current=False)

        def swept_to_the_end():
            sweeper.send_task("apps.reviews.tasks.resume_stalled_cycles", queue="reviews")
            time.sleep(1)
            cycle.refresh_from_db()
            return cycle.status == CycleStatus.COMPLETE

        _wait_for(swept_to_the_end, 90, worker, "the cycle to complete once the broker is back")

    assert cycle.note == "2 packets ready."
    assert set(ReviewPacket.objects.filter(cycle=cycle).values_list("status", flat=True)) == {
        PacketStatus.READY
    }
    _wait_for(
        lambda: set(notices.values_list("status", flat=True)) == {DeliveryStatus.SENT},
        60,
        worker,
        "every drift notice to be sent",
    )
    assert all(attempts == 1 for attempts in notices.values_list("attempts", flat=True))
