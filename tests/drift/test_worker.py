"""A real Celery worker on Redis delivers a notice, retrying through the broker with backoff.

The eager tests cover detection and the in-process retry; this one crosses process boundaries:
committed delivery row → Redis → worker process → HTTP receiver in this process → retry
scheduled on the broker → sent. Skips locally without PostgreSQL or Redis, fails in CI.
"""

import time

import pytest
from celery import Celery

from apps.drift.choices import DriftKind
from apps.drift.models import DriftEvent
from apps.notifications import signing
from apps.notifications.choices import ChannelKind, DeliveryStatus
from apps.notifications.models import NotificationChannel, NotificationDelivery
from tests.celery_worker import Worker, redis_url, require_services

from .conftest import WEBHOOK_SECRET

REDIS_DB = 8  # this suite's own Redis database: flushed before and after the test
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def worker(transactional_db, tmp_path):
    require_services(REDIS_DB)
    worker = Worker(
        tmp_path,
        redis_db=REDIS_DB,
        name="drift-test",
        NOTIFICATION_RETRY_BACKOFF_SECONDS="1",
        NOTIFICATION_ALLOWED_HOSTS="127.0.0.1",  # the receiver in this process
    )
    worker.start()
    yield worker
    worker.stop()


@pytest.mark.django_db(transaction=True)
def test_a_worker_retries_a_failing_webhook_through_the_broker_until_it_is_sent(
    worker, signed_line, payments_team, receiver
):
    receiver.statuses = [500, 502]  # down twice, then back
    channel = NotificationChannel.objects.create(
        team=payments_team,
        kind=ChannelKind.WEBHOOK,
        target=receiver.url("/hook"),
        secret=WEBHOOK_SECRET,
    )
    event = DriftEvent.objects.create(
        commitment=signed_line,
        kind=DriftKind.SLO_RETIRED,
        event_key="slo-1-v2",
        summary="SLO retired.",
    )
    delivery = NotificationDelivery.objects.create(
        cause=event,
        dedup_key=f"drift-event-{event.pk}:webhook",
        payload={"event": {"id": event.pk}},
        channel=channel,
        kind=channel.kind,
        target=channel.target,
        role="service team",
    )

    # Not the current app: the project's shared tasks must stay bound to the project's app
    # (eager in the tests that follow), not to this one's broker.
    Celery(broker=redis_url(REDIS_DB), set_as_current=False).send_task(
        "apps.notifications.tasks.deliver_notification", args=[delivery.pk]
    )

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED):
            break
        time.sleep(0.2)
    assert delivery.status == DeliveryStatus.SENT, worker.logs()
    assert delivery.attempts == 3
    assert delivery.last_error == "HTTP 502: receiver says no"  # the log keeps the last failure
    hooks = receiver.at("/hook")
    assert len(hooks) == 3
    assert all(
        signing.verify(WEBHOOK_SECRET, hook.body, hook.headers[signing.SIGNATURE_HEADER])
        for hook in hooks
    )
