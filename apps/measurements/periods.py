"""Measurement periods of an SLA line: pure Python, no Django.

Monthly good/total counts come from one GROUP BY in SQL, in the timezone of the contract
(``selectors.period_totals``); this module turns them into the line's measurement periods and
says which of them count for a line, the one rule the dashboards, the review packets and the
backtests share (``apps/contracts/owed.py`` prices them):

- A month is a measurement period as it is; a quarter is the sum of its three months, and only
  a whole quarter counts: while one of its months is still to come (the current quarter), it is
  not a period yet.
- A period counts for a line when the line's contract was in force for at least one day of it,
  its first day or its last: a contract signed on March 31st counts March in full.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from . import maths

MONTHS_PER_PERIOD = {"month": 1, "quarter": 3}


class Counts(NamedTuple):
    """Σgood and Σtotal of one calendar month or quarter starting on ``start``."""

    start: date
    good: int
    total: int

    @property
    def attainment(self) -> Decimal | None:
        return maths.attainment(self.good, self.total)


def quarters(months: list[Counts]) -> list[Counts]:
    """The months summed into their calendar quarters, the whole quarters only (exact: a
    quarter is three whole months)."""
    sums: dict[date, list[int]] = {}
    for month in months:
        start = maths.period_start(month.start, "quarter")
        counted = sums.setdefault(start, [0, 0, 0])
        counted[0] += month.good
        counted[1] += month.total
        counted[2] += 1
    return [
        Counts(start, good, total)
        for start, (good, total, months_seen) in sorted(sums.items())
        if months_seen == MONTHS_PER_PERIOD["quarter"]
    ]


def period_counts(months: list[Counts], period: str) -> list[Counts]:
    """The measurement periods of ``period`` kind ("month" or "quarter") made of these months."""
    return list(months) if period == "month" else quarters(months)


def counts_for(start: date, period: str, first: date, last: date | None) -> bool:
    """Whether the period starting on ``start`` counts for a line in force from ``first`` to
    ``last`` (both days included; None: still in force): it does when a single day of it was
    in force."""
    end = maths.add_months(start, MONTHS_PER_PERIOD[period])
    return first < end and (last is None or last >= start)


def in_force(periods: list, period: str, first: date, last: date | None) -> list:
    """Those of ``periods`` (anything with a ``start``) that count for a line in force from
    ``first`` to ``last`` (see ``counts_for``)."""
    return [p for p in periods if counts_for(p.start, period, first, last)]
