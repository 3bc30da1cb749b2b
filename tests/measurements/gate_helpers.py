"""SLI history for the gate engineer's tests: whole months (or hours) at a known attainment."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from apps.measurements.maths import add_months
from apps.measurements.services import SampleRow, samples_upsert

EVENTS = 1_000_000


def month_start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def record_month(indicator, first_day, attainment) -> None:
    """One sample covering the calendar month starting on ``first_day`` (UTC)."""
    start = datetime(first_day.year, first_day.month, 1, tzinfo=UTC)
    after = add_months(first_day, 1)
    end = datetime(after.year, after.month, 1, tzinfo=UTC)
    good = int(Decimal(attainment) * EVENTS / 100)
    samples_upsert(rows=[SampleRow(indicator.pk, start, end, good, EVENTS)])


def record_months(indicator, attainments: dict) -> None:
    for first_day, attainment in attainments.items():
        record_month(indicator, first_day, attainment)


def record_hours(indicator, start: datetime, hours: int, *, good: int, total: int) -> None:
    """``hours`` hourly samples from ``start``, each with the same counts."""
    samples_upsert(
        rows=[
            SampleRow(
                indicator.pk,
                start + timedelta(hours=h),
                start + timedelta(hours=h + 1),
                good,
                total,
            )
            for h in range(hours)
        ]
    )
