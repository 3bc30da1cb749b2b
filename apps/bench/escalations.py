"""Benchmark of escalation at scale: a minute's levels fired, paged and recorded by real workers.

Workload (``scale`` 1.0): 10,000 open P1 tickets whose response clocks all fell due in the same
minute, each with its escalation level at the due (offset 0) not yet fired; the level pages a
PagerDuty channel whose events URL is a local receiver (a threaded HTTP server in this process
that answers 202 with the Events API v2 body, as PagerDuty does). Setup is not timed.

- ours: the evaluation's beat tick (``apps.support.tasks.evaluate_clocks`` sent to the broker)
  and real ``celery worker`` processes (prefork, on Redis) doing the rest: the evaluation fires
  every level (claimed in batches, marked fired, deliveries written in the same transaction) and
  breaches the clocks, and the delivery tasks send every page to the receiver and record each
  answer. The time from the tick to the last delivery recorded (its ``sent_at``).
- floor: the same number of PagerDuty events posted to the same receiver from this process
  over kept-alive connections, as many at once as one delivery task sends
  (``NOTIFICATION_SEND_THREADS``): what getting the pages to the receiver costs at the least,
  with no database, broker or evaluation around it.

The target is the issue's: every level of the minute fired, delivered and recorded within
``TARGET_SECONDS``. The bench writes its rows (``bench-…`` team, service, channel, policy,
tickets) into the database it is pointed at, where the workers read them, and removes them
afterwards; the evaluation acts on every due clock of that database, so run it on a scratch
database. PostgreSQL and Redis only.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Max

from apps.bench.reviews import Workers, _check_redis, _empty_redis, _env, _server_url, redis_url
from apps.bench.support import Fixture, _seed_running_clocks, _table
from apps.notifications.choices import ChannelKind, DeliveryStatus
from apps.notifications.models import NotificationChannel, NotificationDelivery
from apps.notifications.senders import pagerduty_event
from apps.support.models import (
    Escalation,
    EscalationLevel,
    EscalationPolicy,
    Ticket,
    TicketClock,
)

LEVELS = 10_000
TARGET_SECONDS = 60.0
REDIS_DB = 12
POLL_SECONDS = 0.25
EVALUATION_TASK = "apps.support.tasks.evaluate_clocks"


def _seconds(value: float) -> float:
    return round(value, 4)


class Receiver:
    """A PagerDuty-like receiver on 127.0.0.1: 202 and the Events API v2 body to every event,
    counting them."""

    def __init__(self):
        self.count = 0
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections alive, as PagerDuty does
            # Headers and body leave in two writes: without TCP_NODELAY the second waits for
            # the client's delayed ACK on every kept-alive request.
            disable_nagle_algorithm = True

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = json.loads(body).get("dedup_key", "")
                data = json.dumps(
                    {"status": "success", "message": "Event processed", "dedup_key": key}
                ).encode()
                self.send_response(202)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                with lock:
                    receiver.count += 1

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v2/enqueue"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class EscalationFixture(Fixture):
    """The support bench's service and matrix, with a policy whose one level, at the due, pages
    a PagerDuty channel on the receiver; its deliveries and escalations removed on exit."""

    def __init__(self, receiver_url: str):
        self.receiver_url = receiver_url

    def __enter__(self):
        super().__enter__()
        self.channel = NotificationChannel.objects.create(
            team=self.team,
            kind=ChannelKind.PAGERDUTY,
            name=self.tag,
            routing_key="BENCHROUTINGKEY",
            events_url=self.receiver_url,
        )
        self.policy = EscalationPolicy.objects.create(name=self.tag, service=self.service)
        self.level = EscalationLevel.objects.create(
            policy=self.policy, position=1, metric="response", offset_minutes=0
        )
        self.level.channels.add(self.channel)
        return self

    def deliveries(self):
        return NotificationDelivery.objects.filter(channel=self.channel)

    def __exit__(self, *exc):
        self.deliveries().delete()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_table(Escalation)} WHERE level_id = %s", [self.level.pk])
        self.policy.delete()
        self.channel.delete()
        return super().__exit__(*exc)


def _seed_levels(fixture: EscalationFixture, levels: int, now: datetime) -> None:
    """``levels`` running P1 response clocks due a minute ago, each with its level at the due,
    unfired, as planning leaves them (INSERT … SELECT: the setup is not what is measured)."""
    _seed_running_clocks(fixture, levels, levels, now)
    clocks = f"""SELECT c.id, c.due_at FROM {_table(TicketClock)} c
        JOIN {_table(Ticket)} t ON t.id = c.ticket_id WHERE t.source = %s"""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {_table(Escalation)} (clock_id, level_id, position, at, fired_at,
                actions)
            SELECT c.id, %s, 1, c.due_at, NULL, '{{}}'::jsonb FROM ({clocks}) AS c""",
            [fixture.level.pk, fixture.tag],
        )
        cursor.execute(f"ANALYZE {_table(Escalation)}")


def floor_seconds(url: str, events: list[bytes]) -> float:
    """The events posted to the receiver over kept-alive connections, as many at once as one
    delivery task sends them."""
    import requests

    local = threading.local()

    def post(body: bytes) -> int:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        return session.post(
            url, data=body, headers={"Content-Type": "application/json"}, timeout=10
        ).status_code

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=settings.NOTIFICATION_SEND_THREADS) as pool:
        statuses = list(pool.map(post, events))
    elapsed = time.perf_counter() - began
    if any(status != 202 for status in statuses):
        raise RuntimeError("The receiver refused some of the floor's events.")
    return elapsed


def _floor_events(fixture: EscalationFixture, count: int) -> list[bytes]:
    """PagerDuty triggers shaped like the ones the workers send (summary, payload), one per
    level, with keys of their own."""
    sample = NotificationDelivery(
        kind=ChannelKind.PAGERDUTY,
        action="trigger",
        alert_key="",
        subject="P1 response escalation level 1: bench ticket",
        payload={"type": "ticket.escalated", "source": "covenant", "severity": "critical"},
    )
    events = []
    for number in range(count):
        sample.alert_key = f"{fixture.tag}-floor-{number}"
        events.append(json.dumps(pagerduty_event(sample, "BENCHROUTINGKEY")).encode())
    return events


def _tick(broker: str) -> None:
    """What beat sends every minute: the evaluation, to the default queue."""
    from celery import Celery

    # Not the project's app: its tasks stay bound to the project's broker settings.
    Celery(broker=broker, set_as_current=False).send_task(EVALUATION_TASK)


def _wait_recorded(fixture: EscalationFixture, count: int, timeout: float, workers) -> None:
    deadline = time.monotonic() + timeout
    recorded = fixture.deliveries().filter(status=DeliveryStatus.SENT)
    while recorded.count() < count:
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{recorded.count()} of {count} pages recorded after {timeout:.0f} s.\n"
                f"Worker log:\n{workers.logs()}"
            )
        time.sleep(POLL_SECONDS)


def run(*, scale: float = 1.0, workers: int | None = None, redis_db: int = REDIS_DB) -> dict:
    """Rows seeded, workers started, the tick sent, the wait for the last page recorded, the
    floor, everything removed; the report."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The escalation bench needs PostgreSQL (set DATABASE_URL).")
    workers = settings.CELERY_WORKER_CONCURRENCY if workers is None else workers
    levels = max(int(LEVELS * scale), 10)
    broker = redis_url(redis_db)
    _check_redis(broker)
    _empty_redis(broker)
    env = _env(_server_url(connection.settings_dict["NAME"]), broker)
    env["NOTIFICATION_ALLOWED_HOSTS"] = "127.0.0.1"  # the receiver in this process
    receiver = Receiver()
    try:
        with EscalationFixture(receiver.url) as fixture, tempfile.TemporaryDirectory() as logdir:
            _seed_levels(fixture, levels, datetime.now(UTC).replace(microsecond=0))
            pool = Workers(env, workers, Path(logdir), name="bench-escalations")
            try:
                pool.wait_ready()
                ticked = datetime.now(UTC)
                _tick(broker)
                _wait_recorded(fixture, levels, 60 + 600 * scale, pool)
            finally:
                pool.stop()
                _empty_redis(broker)
            last = fixture.deliveries().aggregate(last=Max("sent_at"))["last"]
            ours = (last - ticked).total_seconds()
            fired = Escalation.objects.filter(level=fixture.level, fired_at__isnull=False).count()
            breached = TicketClock.objects.filter(ticket__source=fixture.tag, breached=True).count()
            pages = receiver.count
            floor = floor_seconds(receiver.url, _floor_events(fixture, levels))
    finally:
        receiver.stop()
    return {
        "workload": "escalation_levels",
        "scale": scale,
        "levels": levels,
        "fired": fired,
        "breached_clocks": breached,
        "pages_received": pages,
        "workers": workers,
        "ours_s": _seconds(ours),
        "floor_s": _seconds(floor),
        "ratio": round(ours / floor, 2),
        "target_s": TARGET_SECONDS,
        "within_target": ours <= TARGET_SECONDS,
        "levels_per_s": round(levels / ours, 1),
    }
