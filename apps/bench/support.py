"""Benchmarks of the support desk against a floor measured in the same run (PostgreSQL).

1. sweep: ``clocks_evaluate`` over 100,000 open tickets with running clocks, 1,000 of them past
   their due, against the hand-written indexed SELECT of the due clocks (the range scan of
   ``ticketclock_next_at``). The evaluation also marks the 1,000 breached; the floor only reads
   them. An evaluation with nothing due is counted in queries (two: the escalation levels falling
   due, the clocks past their due) and timed against the same SELECT finding nothing.
2. ingest: 1,000,000 events of 100,000 tickets (ten each: created, assigned, a reply, a pause
   and its end, a comment, a raised priority for some, a solve, a reopen, a second solve) through
   ``ticket_events_ingest`` in requests of 1,000 tickets, as a helpdesk's bulk export would send
   them (validation, log, clocks from the whole log, SLI samples), against a binary COPY of the
   same rows, already typed, into a bare table, committed.

The bench creates its own team, service, calendar and eight support indicators (named
``bench-…``) and removes them, their tickets and samples afterwards. Run it on a scratch database.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from psycopg.types.json import Jsonb

from apps.calendars.models import Calendar
from apps.catalog.choices import IndicatorKind, IndicatorSource
from apps.catalog.models import Indicator, Service, Team
from apps.measurements.models import SLISample
from apps.support.models import Ticket, TicketClock, TicketEvent
from apps.support.services import clocks_evaluate, ticket_events_ingest

SWEEP_TICKETS = 100_000
SWEEP_DUE = 1_000
INGEST_TICKETS = 100_000
EVENTS_PER_TICKET = 10
TICKETS_PER_REQUEST = 1_000
TARGETS = {"sweep": 2.0, "ingest": 5.0}
# priority: (response minutes, resolution minutes, on business hours)
MATRIX = {
    "P1": (15, 240, False),
    "P2": (60, 480, True),
    "P3": (240, 1440, True),
    "P4": (480, 2400, True),
}
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


def _seconds(value: float) -> float:
    return round(value, 6)


def _clock(function, *args, **kwargs):
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - began, result


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class Fixture:
    """A bench service with the P1-P4 matrix, created on entry, removed with its rows on exit."""

    def __enter__(self):
        self.tag = f"bench-{uuid.uuid4().hex[:8]}"
        self.team = Team.objects.create(name=self.tag)
        self.service = Service.objects.create(slug=self.tag, name="Bench desk", team=self.team)
        self.calendar = Calendar.objects.create(
            name=self.tag,
            timezone="Europe/London",
            hours={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            holiday_country="GB",
            holiday_subdivision="ENG",
        )
        self.indicators = {}
        for priority, (response, resolution, business) in MATRIX.items():
            for kind, minutes in (
                (IndicatorKind.SUPPORT_RESPONSE, response),
                (IndicatorKind.SUPPORT_RESOLUTION, resolution),
            ):
                self.indicators[(priority, kind)] = Indicator.objects.create(
                    service=self.service,
                    name=f"{priority} {kind}",
                    kind=kind,
                    priority=priority,
                    threshold=Decimal(minutes),
                    unit="min",
                    source=IndicatorSource.TICKETS,
                    calendar=self.calendar if business else None,
                )
        self.indicator_ids = [i.pk for i in self.indicators.values()]
        return self

    def sources(self) -> list[str]:
        return [self.tag, f"{self.tag}-ingest"]

    def delete_tickets(self) -> None:
        tickets = f"SELECT id FROM {_table(Ticket)} WHERE source = ANY(%s)"
        with connection.cursor() as cursor:
            for model in (TicketEvent, TicketClock):
                cursor.execute(
                    f"DELETE FROM {_table(model)} WHERE ticket_id IN ({tickets})", [self.sources()]
                )
            cursor.execute(f"DELETE FROM {_table(Ticket)} WHERE source = ANY(%s)", [self.sources()])
            cursor.execute(
                f"DELETE FROM {_table(SLISample)} WHERE indicator_id = ANY(%s)",
                [self.indicator_ids],
            )

    def __exit__(self, *exc):
        self.delete_tickets()
        Indicator.objects.filter(pk__in=self.indicator_ids).delete()
        self.service.delete()
        self.team.delete()
        self.calendar.delete()
        return False


# --- 1. the sweep ----------------------------------------------------------------------------

FLOOR_SQL = "SELECT id, state, due_at FROM {clocks} WHERE next_at <= %s"


def _seed_running_clocks(fixture: Fixture, tickets: int, due: int, now: datetime) -> None:
    """Open P1 tickets with one running response clock each; ``due`` of them past their due.
    Written with INSERT … SELECT: the setup is not what is measured."""
    indicator = fixture.indicators[("P1", IndicatorKind.SUPPORT_RESPONSE)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {_table(Ticket)} (source, external_id, service_id, priority, status,
                subject, assignee, created_at, reopens, updated_at)
            SELECT %s, g::text, %s, 'P1', 'open', '', '', %s, 0, %s
            FROM generate_series(1, %s) AS g""",
            [fixture.tag, fixture.service.pk, now - timedelta(minutes=5), now, tickets],
        )
        cursor.execute(
            f"""INSERT INTO {_table(TicketClock)} (ticket_id, indicator_id, cycle, metric, priority,
                state, started_at, due_at, stopped_at, business_elapsed_seconds, paused_seconds,
                target_seconds, breached, next_at, computed_at)
            SELECT t.id, %s, 1, 'response', 'P1', 'running', t.created_at, d.due, NULL, 0, 0,
                900, false, d.due, %s
            FROM (SELECT id, created_at, row_number() OVER (ORDER BY id) AS n
                  FROM {_table(Ticket)} WHERE source = %s) AS t,
                LATERAL (SELECT CASE WHEN t.n <= %s THEN %s::timestamptz - interval '1 minute'
                    ELSE %s::timestamptz + make_interval(secs => 600 + t.n) END AS due) AS d""",
            [indicator.pk, now, fixture.tag, due, now, now],
        )
        cursor.execute(f"ANALYZE {_table(Ticket)}")
        cursor.execute(f"ANALYZE {_table(TicketClock)}")


def _reset_due(fixture: Fixture, now: datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {_table(TicketClock)} SET state = 'running', breached = false,
                next_at = due_at, computed_at = %s
            WHERE due_at <= %s AND ticket_id IN (
                SELECT id FROM {_table(Ticket)} WHERE source = %s)""",
            [now, now, fixture.tag],
        )


def _floor(now: datetime) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL.format(clocks=_table(TicketClock)), [now])
        return len(cursor.fetchall())


def bench_sweep(scale: float, repeats: int) -> dict:
    tickets = max(int(SWEEP_TICKETS * scale), 100)
    due = max(int(SWEEP_DUE * scale), 1)
    now = datetime.now(UTC).replace(microsecond=0)
    with Fixture() as fixture:
        _seed_running_clocks(fixture, tickets, due, now)
        floors, ours = [], []
        for _ in range(repeats):
            elapsed, found = _clock(_floor, now)
            assert found >= due, found
            floors.append(elapsed)
            elapsed, changed = _clock(clocks_evaluate, now=now)
            assert changed >= due, changed
            ours.append(elapsed)
            _reset_due(fixture, now)
        quiet = now - timedelta(minutes=2)
        with CaptureQueriesContext(connection) as queries:
            assert clocks_evaluate(now=quiet) == 0
        quiet_ours = min(_clock(clocks_evaluate, now=quiet)[0] for _ in range(repeats))
        quiet_floor = min(_clock(_floor, quiet)[0] for _ in range(repeats))
    best, floor = min(ours), min(floors)
    return {
        "open_tickets": tickets,
        "due_clocks": due,
        "runs": repeats,
        "ours_s": _seconds(best),
        "ours_median_s": _seconds(statistics.median(ours)),
        "floor_s": _seconds(floor),
        "floor_median_s": _seconds(statistics.median(floors)),
        "ratio": round(best / floor, 2),
        "target_ratio": TARGETS["sweep"],
        "nothing_due_queries": len(queries.captured_queries),
        "nothing_due_s": _seconds(quiet_ours),
        "nothing_due_floor_s": _seconds(quiet_floor),
    }


# --- 2. ingestion ----------------------------------------------------------------------------


def ticket_history(source: str, service: str, number: int) -> list[dict]:
    """Ten events of one ticket, as a helpdesk's bulk export sends them (ISO 8601 text)."""
    priority = ("P1", "P2", "P3", "P4")[number % 4]
    created = START + timedelta(minutes=7 * number)
    steps = [
        (0, "created", {"service": service, "priority": priority, "status": "open"}),
        (2, "assigned", "agent@example.com"),
        (9 + number % 40, "public_reply", None),
        (60, "status", "pending_customer"),
        (200, "status", "open"),
        (230, "comment", "Checked the logs."),
        (240, "priority", "P1" if priority == "P2" else priority),
        (300 + number % 500, "status", "solved"),
        (1500, "status", "open"),
        (1700, "status", "solved"),
    ]
    external = str(number)
    return [
        {
            "source": source,
            "external_id": external,
            "event_id": f"{external}-{index}",
            "at": (created + timedelta(minutes=minutes)).isoformat(),
            "type": kind,
            "value": value,
        }
        for index, (minutes, kind, value) in enumerate(steps)
    ]


COPY_TABLE = (
    "CREATE TABLE bench_events_floor (ticket_id bigint, type text, at timestamptz, value jsonb, "
    "source text, event_id text, received_at timestamptz)"
)
COPY_TYPES = ["int8", "text", "timestamptz", "jsonb", "text", "text", "timestamptz"]


def _copy_floor(events: list[dict], now: datetime) -> float:
    """Binary COPY of the same rows, typed beforehand, into a bare table; committed."""
    numbers = {}
    rows = [
        (
            numbers.setdefault(event["external_id"], len(numbers) + 1),
            event["type"],
            datetime.fromisoformat(event["at"]),
            Jsonb(event["value"]),
            event["source"],
            event["event_id"],
            now,
        )
        for event in events
    ]
    with connection.cursor() as cursor:
        cursor.execute(COPY_TABLE)
    try:

        def copy_and_commit():
            with transaction.atomic(), connection.cursor() as cursor:
                raw = cursor.cursor
                with raw.copy(
                    "COPY bench_events_floor (ticket_id, type, at, value, source, event_id, "
                    "received_at) FROM STDIN (FORMAT BINARY)"
                ) as copy:
                    copy.set_types(COPY_TYPES)
                    for row in rows:
                        copy.write_row(row)

        return _clock(copy_and_commit)[0]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_events_floor")


def bench_ingest(scale: float) -> dict:
    tickets = max(int(INGEST_TICKETS * scale), 10)
    now = datetime.now(UTC)
    with Fixture() as fixture:
        source = f"{fixture.tag}-ingest"
        requests = [
            [
                event
                for number in range(first, min(first + TICKETS_PER_REQUEST, tickets))
                for event in ticket_history(source, fixture.service.slug, number)
            ]
            for first in range(0, tickets, TICKETS_PER_REQUEST)
        ]
        events = [event for request in requests for event in request]
        floor = _copy_floor(events, now)
        began = time.perf_counter()
        created = 0
        for request in requests:
            created += ticket_events_ingest(events=request, now=now).created
        ours = time.perf_counter() - began
        assert created == len(events), created
        clocks = TicketClock.objects.filter(ticket__source=source).count()
        samples = SLISample.objects.filter(indicator_id__in=fixture.indicator_ids).count()
    return {
        "tickets": tickets,
        "events": len(events),
        "requests": len(requests),
        "ours_s": _seconds(ours),
        "floor_s": _seconds(floor),
        "ratio": round(ours / floor, 2),
        "target_ratio": TARGETS["ingest"],
        "us_per_event": round(ours / len(events) * 1e6, 1),
        "clocks": clocks,
        "sli_samples": samples,
    }


def run(*, scale: float, repeats: int, only: str | None = None) -> dict:
    if connection.vendor != "postgresql":
        raise RuntimeError("The support benchmarks need PostgreSQL (set DATABASE_URL).")
    report: dict = {"scale": scale}
    if only in (None, "sweep"):
        report["sweep"] = bench_sweep(scale, repeats)
    if only in (None, "ingest"):
        report["ingest"] = bench_ingest(scale)
    return report
