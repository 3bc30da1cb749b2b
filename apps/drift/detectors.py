"""When a signed commitment has drifted: pure rules, no Django.

The services feed these with rows and aggregates read in SQL; the rules stay here so that they
can be tested on their own (tests/drift/test_detectors.py, with hypothesis).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from apps.slos.alignment import Verdict

SLO_LOOSENED = "slo_loosened"
SLO_RETIRED = "slo_retired"
WAIVER_EXPIRED = "waiver_expired"
ATTAINMENT_BELOW = "attainment_below"

ACTIVE = "active"
MONTHS_PER_PERIOD = {"month": 1, "quarter": 3}


def slo_change_kind(
    *,
    previous_status: str,
    status: str,
    previous_target: Decimal,
    target: Decimal,
    moved: bool = False,
) -> str | None:
    """What an SLO edit did to the lines it backed: retired, loosened, or nothing to flag.

    Only an SLO that was active backed anything; leaving ``active`` (retired or back to draft)
    or moving to another indicator withdraws it, and a lower target while active loosens it.
    """
    if previous_status != ACTIVE:
        return None
    if status != ACTIVE or moved:
        return SLO_RETIRED
    if Decimal(target) < Decimal(previous_target):
        return SLO_LOOSENED
    return None


def verdict_drifts(verdict: Verdict | str) -> bool:
    """After an SLO change, a signed line drifted unless it is still ALIGNED."""
    return Verdict(verdict) is not Verdict.ALIGNED


def slo_event_key(slo_id: int, version: int) -> str:
    """One event per SLO version: the same version re-saved is the same event."""
    return f"slo-{slo_id}-v{version}"


def waiver_event_key(waiver_id: int) -> str:
    return f"waiver-{waiver_id}"


def period_event_key(period: str, start: date) -> str:
    """One event per measurement period: next month's breach is a new event."""
    return f"{period}-{start.isoformat()}"


def period_start(period: str, day: date) -> date:
    """The first day of the calendar month or quarter holding ``day``."""
    months = MONTHS_PER_PERIOD[period]
    month = (day.month - 1) // months * months + 1
    return date(day.year, month, 1)


def add_periods(period: str, start: date, count: int) -> date:
    """The first day of the period ``count`` periods after the one starting at ``start``."""
    index = start.year * 12 + start.month - 1 + count * MONTHS_PER_PERIOD[period]
    return date(index // 12, index % 12 + 1, 1)


def last_full_period(period: str, today: date) -> tuple[date, date]:
    """[start, end) of the latest period that ended before ``today`` (a local date)."""
    current = period_start(period, today)
    return add_periods(period, current, -1), current


def overlaps_contract(
    start: date, end: date, contract_start: date, contract_end: date | None
) -> bool:
    """Whether the period [start, end) lies at least partly within the contract's term."""
    return contract_start < end and (contract_end is None or start <= contract_end)


def falls_short(attainment: Decimal | None, target: Decimal) -> bool:
    """Below the SLA target; a period without data is never a breach."""
    return attainment is not None and Decimal(attainment) < Decimal(target)
