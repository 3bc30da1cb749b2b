"""Benchmarks of ingestion and aggregation against a floor measured in the same run.

Each workload reports our time, the time of the simplest thing PostgreSQL can do with the same
rows (the floor) and their ratio, so the figures travel between machines. PostgreSQL only: the
point is the production path (COPY, GROUP BY on timestamptz).

1. ingest: ``samples_ingest`` (parsing and validating every row, locking, overlap check, COPY,
   commit) from decoded JSON, against a binary COPY of the already-typed tuples into a bare table
   without index or constraint, committed. A second floor COPYs into a clone of the samples
   table (its primary key and checks): the part of our time the schema itself costs. Each is
   the best of up to three runs, every run on fresh indicators.
2. period_totals: month-by-month totals of 200 indicators over a year of hourly samples against
   one hand-written GROUP BY over the same rows.
3. backtest: one indicator over a year of hourly samples, server side (the backtest API's
   validation, query, maths and JSON body, without HTTP); ``period_totals`` of that indicator
   when the backtest API is missing (the report says which).

The bench creates its own team, service, indicators and user (named ``bench-…``) and removes them
and their samples afterwards. Run it on a scratch database.
"""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from apps.catalog.models import Indicator, Service, Team
from apps.measurements import selectors
from apps.measurements.models import SLISample
from apps.measurements.services import (
    SampleRow,
    _copy,
    samples_ingest,
    samples_parse,
    samples_upsert,
)

INGEST_ROWS = 1_000_000
INGEST_INDICATORS = 100
AGGREGATE_INDICATORS = 200
HOURS_PER_YEAR = 8_760
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
TARGETS = {"ingest": 3.0, "period_totals": 1.5}
BACKTEST_BUDGET_MS = 200.0


def _seconds(value: float) -> float:
    """Times as printed: six places, since at tiny scales a floor is well under a millisecond
    and four would make the printed ratio disagree with the printed times."""
    return round(value, 6)


def _clock(function, *args, **kwargs):
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - began, result


def _best_of(repeats: int, function, *args):
    times = [_clock(function, *args)[0] for _ in range(repeats)]
    return min(times), statistics.median(times)


class Fixture:
    """Bench catalog rows, created on entry and removed (with their samples) on exit."""

    def __init__(self, indicators: int):
        self.count = indicators

    def __enter__(self):
        tag = uuid.uuid4().hex[:8]
        self.team = Team.objects.create(name=f"bench-{tag}")
        self.service = Service.objects.create(slug=f"bench-{tag}", name="Bench", team=self.team)
        self.indicators = Indicator.objects.bulk_create(
            Indicator(service=self.service, name=f"bench-{i}", kind="availability")
            for i in range(self.count)
        )
        self.ids = [i.id for i in self.indicators]
        self.user = get_user_model().objects.create_superuser(f"bench-{tag}", password=None)
        return self

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {SLISample._meta.db_table} WHERE indicator_id = ANY(%s)", [self.ids]
            )
        Indicator.objects.filter(id__in=self.ids).delete()
        self.service.delete()
        self.team.delete()
        self.user.delete()
        return False


def hourly_payload(indicator_ids, hours: int) -> list[dict]:
    """Decoded JSON as a client sends it: ISO 8601 strings with offset, integer counts."""
    stamps = [(YEAR_START + timedelta(hours=h)).isoformat() for h in range(hours + 1)]
    return [
        {
            "indicator": indicator_id,
            "start": stamps[h],
            "end": stamps[h + 1],
            "good": 3_600_000 - (h * 7 + indicator_id) % 500,
            "total": 3_600_000,
        }
        for indicator_id in indicator_ids
        for h in range(hours)
    ]


BARE_TABLE = (
    "CREATE TABLE bench_floor (indicator_id bigint, start timestamptz, "
    '"end" timestamptz, good bigint, total bigint)'
)
# The samples table as the model defines it (primary key, checks), without any of our code: what
# the schema alone costs.
SCHEMA_TABLE = "CREATE TABLE bench_floor (LIKE measurements_slisample INCLUDING ALL)"


def _copy_floor(rows: list[SampleRow], create: str) -> float:
    """Binary COPY of the typed tuples into a fresh table, committed."""
    with connection.cursor() as cursor:
        cursor.execute(create)
    try:

        def copy_and_commit():
            with transaction.atomic(), connection.cursor() as cursor:
                _copy(cursor.cursor, "bench_floor", rows)

        return _clock(copy_and_commit)[0]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_floor")


def bench_ingest(scale: float, repeats: int = 3) -> dict:
    """Best of ``repeats`` runs for ours and each floor, each run on fresh indicators."""
    rows_wanted = max(int(INGEST_ROWS * scale), 10)
    indicators = max(min(INGEST_INDICATORS, rows_wanted // 10), 1)
    hours = rows_wanted // indicators
    floors, schema_floors, ours_times, parse_times = [], [], [], []
    for run in range(repeats):
        with Fixture(indicators) as fixture:
            payload = hourly_payload(fixture.ids, hours)
            typed = samples_parse(payload)
            floors.append(_copy_floor(typed, BARE_TABLE))
            schema_floors.append(_copy_floor(typed, SCHEMA_TABLE))
            del typed
            ours, result = _clock(samples_ingest, user=fixture.user, items=payload)
            assert result.created == len(payload), result
            ours_times.append(ours)
            parse_times.append(_clock(samples_parse, payload)[0])
            if run == repeats - 1:
                # Sending the same rows again replaces them: the merge path.
                again, result = _clock(samples_ingest, user=fixture.user, items=payload)
                assert result.updated == len(payload), result
    ours, floor, schema_floor = min(ours_times), min(floors), min(schema_floors)
    return {
        "rows": len(payload),
        "indicators": indicators,
        "runs": repeats,
        "ours_s": _seconds(ours),
        "ours_median_s": _seconds(statistics.median(ours_times)),
        "floor_s": _seconds(floor),
        "floor_median_s": _seconds(statistics.median(floors)),
        "ratio": round(ours / floor, 2),
        "target_ratio": TARGETS["ingest"],
        "schema_floor_s": _seconds(schema_floor),
        "ratio_to_schema_floor": round(ours / schema_floor, 2),
        "parse_s": round(min(parse_times), 3),
        "resend_as_updates_s": round(again, 3),
    }


def _load_year(fixture, hours: int) -> int:
    rows = samples_parse(hourly_payload(fixture.ids, hours))
    samples_upsert(rows=rows)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {SLISample._meta.db_table}")
    return len(rows)


def hand_written_group_by(ids, start, end) -> list:
    """The floor of every monthly aggregation: Σgood and Σtotal per indicator and UTC month of
    [start, end), as one would write it by hand. The ids go as a bigint array, the column's
    type: a list of small ids would otherwise be sent as a smallint array, which the planner
    costs as a cross-type match and answers with a serial index scan, twice as slow as the
    parallel scan it picks for this query (and a floor that slow flatters every ratio)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indicator_id, date_trunc('month', start AT TIME ZONE 'UTC') AS month, "
            "SUM(good), SUM(total) FROM measurements_slisample "
            "WHERE indicator_id = ANY(%s::bigint[]) AND start >= %s AND start < %s "
            "GROUP BY indicator_id, month",
            [list(ids), start, end],
        )
        return cursor.fetchall()


def bench_period_totals(scale: float, repeats: int) -> dict:
    indicators = max(int(AGGREGATE_INDICATORS * scale), 2)
    hours = HOURS_PER_YEAR if scale >= 0.1 else max(int(HOURS_PER_YEAR * scale * 10), 48)
    end = YEAR_START + timedelta(hours=hours)
    with Fixture(indicators) as fixture:
        loaded = _load_year(fixture, hours)
        ours_best, ours_median = _best_of(
            repeats, selectors.period_totals, fixture.ids, "month", YEAR_START, end
        )
        floor_best, floor_median = _best_of(
            repeats, hand_written_group_by, fixture.ids, YEAR_START, end
        )
        one = bench_one_indicator_year(fixture, end, repeats)
    return {
        "period_totals": {
            "rows": loaded,
            "indicators": indicators,
            "ours_s": _seconds(ours_best),
            "ours_median_s": _seconds(ours_median),
            "floor_s": _seconds(floor_best),
            "floor_median_s": _seconds(floor_median),
            "ratio": round(ours_best / floor_best, 2),
            "target_ratio": TARGETS["period_totals"],
        },
        "backtest": one,
    }


def bench_one_indicator_year(fixture, end, repeats: int) -> dict:
    """Workload 3 over the first indicator's year of hourly samples."""
    indicator = fixture.indicators[0]
    runner, what = _backtest_runner(indicator, end)
    best, median = _best_of(repeats, runner)
    return {
        "measured": what,
        "ours_ms": round(best * 1000, 2),
        "median_ms": round(median * 1000, 2),
        "budget_ms": BACKTEST_BUDGET_MS,
        "within_budget": best * 1000 < BACKTEST_BUDGET_MS,
    }


def _backtest_runner(indicator, end):
    """The server side of POST /api/v1/backtest/ (validation, the GROUP BY, the maths and the
    JSON body, no HTTP) when that module exists; else period_totals of the indicator's year."""
    try:
        from apps.contracts.api_backtest import (
            BacktestInputSerializer,
            backtest_report,
            report_json,
        )
    except ImportError:
        return (
            lambda: selectors.period_totals([indicator.id], "month", YEAR_START, end),
            "period_totals of one indicator over a year (no backtest API module yet)",
        )
    body = {
        "indicator": indicator.id,
        "target": "99.9",
        "period": "month",
        "tiers": [{"lower": "99.0", "upper": "99.99", "credit_percent": "10"}],
        "monthly_fee": "1000.00",
        "start": YEAR_START.date().isoformat(),
        "end": end.date().isoformat(),
    }

    def run_backtest():
        serializer = BacktestInputSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        return report_json(backtest_report(serializer.validated_data))

    return run_backtest, "api_backtest: validate, backtest_report, report_json (no HTTP)"


def run(scale: float = 1.0, repeats: int = 5) -> dict:
    if connection.vendor != "postgresql":
        raise RuntimeError("The bench measures the PostgreSQL path: set DATABASE_URL=postgres://…")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    report = {"scale": scale, "postgresql": version, "ingest": bench_ingest(scale, min(repeats, 3))}
    report.update(bench_period_totals(scale, repeats))
    return report
