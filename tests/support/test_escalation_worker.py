"""A real Celery worker with beat fires escalation levels to PagerDuty and Opsgenie receivers.

Everything crosses process boundaries: the test commits a ticket to PostgreSQL, the worker's
own beat sends the clock evaluation to Redis every two seconds, the worker fires the levels and
delivers them over HTTP to the receivers this process serves on loopback, and the solve is
written by another process, as a web process handling the helpdesk's webhook would.

The ticket (P1, a 60-minute response target around the clock) has a policy with two levels,
both paging the on-call PagerDuty service and Opsgenie: level 1 at 75 % of the target and
level 2 at the due (offset 0). A 60-minute target puts them fifteen minutes apart, too long to
wait for, so the ticket is written as opened 59 minutes and 35 seconds ago, once the worker is
ready: its 75 % instant passed 14 minutes 35 seconds before (no evaluation has seen it yet), so
the first beat tick after the commit fires level 1, while the clock still runs; its due falls
25 seconds after the commit, while the test waits, and the first tick after it fires level 2
and breaches the clock. Beat keeps ticking throughout (a dozen times or more), and nothing
fires twice. Solving the ticket stops the clock and closes its page once per receiver.

PagerDuty and Opsgenie are sent the clock as the dedup key (alias): one incident per clock,
which the second level's trigger joins. Each level sends one trigger to each receiver; the
deliveries are unique per (level on the clock, channel). Skips locally without PostgreSQL or
Redis, fails in CI.
"""

import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.catalog.choices import IndicatorKind
from apps.notifications.choices import ChannelKind, DeliveryAction, DeliveryStatus
from apps.notifications.models import NotificationChannel, NotificationDelivery
from apps.support import services
from apps.support.models import Escalation, EscalationLevel, EscalationPolicy, TicketClock
from tests.celery_worker import ROOT, Worker, require_services
from tests.notifications.conftest import opsgenie  # noqa: F401  (the fixture)

from .conftest import support_indicator

REDIS_DB = 11  # this suite's own Redis database: flushed before and after the test
TICK_SECONDS = 2
DUE_AFTER_COMMIT = timedelta(seconds=25)
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def worker(transactional_db, tmp_path):
    require_services(REDIS_DB)
    worker = Worker(
        tmp_path,
        redis_db=REDIS_DB,
        name="escalation-test",
        SUPPORT_EVALUATION_SECONDS=str(TICK_SECONDS),
        NOTIFICATION_ALLOWED_HOSTS="127.0.0.1",  # the receivers in this process
    )
    yield worker
    worker.stop()


@pytest.fixture
def paging_policy(payments, payments_team, pagerduty, opsgenie):  # noqa: F811
    support_indicator(payments, IndicatorKind.SUPPORT_RESPONSE, "P1", 60)
    channels = [
        NotificationChannel.objects.create(
            team=payments_team,
            kind=ChannelKind.PAGERDUTY,
            name="payments on-call",
            routing_key="R0UTINGKEY",
            events_url=f"{pagerduty.base_url}/v2/enqueue",
        ),
        NotificationChannel.objects.create(
            team=payments_team,
            kind=ChannelKind.OPSGENIE,
            name="payments Opsgenie",
            api_key="genie",
            api_url=opsgenie.base_url,
        ),
    ]
    policy = EscalationPolicy.objects.create(name="Payments desk", service=payments)
    for position, where in ((1, {"percent": Decimal("75")}), (2, {"offset_minutes": 0})):
        level = EscalationLevel.objects.create(
            policy=policy, position=position, metric="response", **where
        )
        level.channels.set(channels)
    return policy


def _wait_for(predicate, timeout: float, worker: Worker, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.\nWorker logs:\n{worker.logs()}")


def _sent(action: str, level: int | None = None) -> int:
    deliveries = NotificationDelivery.objects.filter(action=action, status=DeliveryStatus.SENT)
    if level is not None:
        deliveries = deliveries.filter(escalation__position=level)
    return deliveries.count()


def _solve_in_another_process(worker: Worker, ticket_id: int) -> None:
    code = (
        "from django.utils import timezone; from apps.support import services; "
        "from apps.support.models import Ticket; "
        f"services.ticket_event_add(ticket=Ticket.objects.get(pk={ticket_id}), type='status', "
        "value='solved', at=timezone.now())"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=worker.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def _level_of(request) -> int:
    body = request.json()
    details = body["payload"]["custom_details"] if "payload" in body else body["details"]
    return int(details["level"])


@pytest.mark.django_db(transaction=True)
def test_beat_fires_the_75_percent_level_then_the_due_once_each_and_the_solve_resolves(
    worker,
    paging_policy,
    payments,
    pagerduty,
    opsgenie,  # noqa: F811
):
    began = time.monotonic()
    worker.start(concurrency=2, beat=True)
    worker.wait_ready()

    committed = timezone.now()
    due = committed + DUE_AFTER_COMMIT
    ticket = services.ticket_create(
        source="api",
        external_id="PAGE-1",
        service=payments,
        priority="P1",
        created_at=due - timedelta(minutes=60),
        subject="Card payments fail",
        now=committed,
    )
    clock = TicketClock.objects.get(ticket=ticket, metric="response")
    assert clock.due_at == due
    levels = {e.position: e for e in Escalation.objects.filter(clock=clock)}
    assert levels[1].at == due - timedelta(minutes=15) < committed  # passed, not yet fired
    assert levels[2].at == due

    # The first tick after the commit fires level 1; the clock runs on towards its due.
    _wait_for(lambda: _sent(DeliveryAction.TRIGGER, 1) == 2, 20, worker, "level 1's pages")
    first = Escalation.objects.get(pk=levels[1].pk)
    assert committed < first.fired_at < due
    clock.refresh_from_db()
    assert clock.state == "running"
    assert Escalation.objects.get(pk=levels[2].pk).fired_at is None

    # The due passes while the test waits: the next tick fires level 2 and breaches the clock.
    _wait_for(lambda: _sent(DeliveryAction.TRIGGER, 2) == 2, 45, worker, "level 2's pages")
    second = Escalation.objects.get(pk=levels[2].pk)
    assert due <= second.fired_at < due + timedelta(seconds=15)
    clock.refresh_from_db()
    assert (clock.state, clock.breached) == ("breached", True)

    _solve_in_another_process(worker, ticket.pk)
    _wait_for(lambda: _sent(DeliveryAction.RESOLVE) == 2, 30, worker, "the resolves")
    time.sleep(3 * TICK_SECONDS)  # more ticks: nothing more may be sent
    log = (worker.tmp_path / f"worker-{worker.starts}.log").read_text()
    ticks = log.count("Sending due task support-evaluate-clocks")

    key = f"covenant-clock-{clock.pk}"
    for receiver, trigger, resolve in (
        (pagerduty, "trigger", "resolve"),
        (opsgenie, "create", "close"),
    ):
        triggers = receiver.accepted(trigger)
        assert sorted(_level_of(r) for r in triggers) == [1, 2], worker.logs()
        assert {r.json().get("dedup_key") or r.json().get("alias") for r in triggers} == {key}
        assert len(receiver.accepted(resolve)) == 1
        # One incident for the clock, opened by level 1, joined by level 2, closed by the solve.
        assert receiver.alerts == {key: ["trigger", "resolve"]}
        assert all(r.answered == 202 for r in receiver.requests)
        assert len(receiver.requests) == 3
    assert NotificationDelivery.objects.count() == 6
    assert not NotificationDelivery.objects.exclude(status=DeliveryStatus.SENT).exists()
    assert ticks >= 10, worker.logs()
    assert time.monotonic() - began < 100
