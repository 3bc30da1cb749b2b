"""A real Celery worker on Redis delivers a notice, retrying through the broker with backoff.

The eager tests cover detection and the in-process retry; this one crosses process boundaries:
committed delivery row → Redis → worker process → HTTP receiver in this process → retry
scheduled on the broker → sent. Skips locally without PostgreSQL or Redis, fails in CI.
"""

import os
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from celery import Celery
from django.db import connection

from apps.drift import signing
from apps.drift.choices import ChannelKind, DeliveryStatus, DriftKind
from apps.drift.models import DriftEvent, NotificationChannel, NotificationDelivery
from tests.conftest import require

from .conftest import WEBHOOK_SECRET

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 8  # this suite's own Redis database: flushed before and after the test
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _redis_url() -> str:
    base = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit(base._replace(path=f"/{REDIS_DB}"))


def _database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def redis_up(transactional_db):
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://…")
    import redis

    client = redis.Redis.from_url(_redis_url(), socket_connect_timeout=2)
    try:
        client.ping()
    except Exception:
        require(False, f"needs Redis at {_redis_url()}")
    client.flushdb()
    yield
    client.flushdb()


@pytest.fixture
def worker(redis_up, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TEST_DB_NAME"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=_database_url(),
        REDIS_URL=_redis_url(),
        CELERY_EAGER="0",
        DRIFT_RETRY_BACKOFF_SECONDS="1",
    )
    log_path = tmp_path / "worker.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                *(str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "-Q", "celery"),
                *("--concurrency", "1", "--without-gossip", "--without-mingle"),
                *("-n", f"drift-test-{os.getpid()}@%h", "--loglevel", "INFO"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.logs = lambda: log_path.read_text()[-4000:]
    yield process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


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
        event=event,
        channel=channel,
        kind=channel.kind,
        target=channel.target,
        role="service team",
    )

    Celery(broker=_redis_url()).send_task(
        "apps.drift.tasks.deliver_notification", args=[delivery.pk]
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
