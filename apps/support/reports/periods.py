"""The period of a report and the steps of its trend: pure Python.

A weekly report runs Monday to Sunday with a step per day; a monthly one over a calendar month
with a step per week (Monday to Sunday, cut to the month); a quarterly one over a calendar
quarter with a step per month. Days are UTC days, as the support metrics count them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

WEEKLY, MONTHLY, QUARTERLY = "weekly", "monthly", "quarterly"


@dataclass(frozen=True)
class Step:
    label: str
    start: date
    end: date  # the last day included


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def period_of(kind: str, day: date) -> tuple[date, date]:
    """The first and last day of the week, month or quarter that holds ``day``."""
    if kind == WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind == MONTHLY:
        start = day.replace(day=1)
        return start, _month_end(start)
    if kind == QUARTERLY:
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return start, _month_end(date(start.year, start.month + 2, 1))
    raise ValueError(f"Unknown report kind {kind!r}.")


def steps(kind: str, start: date, end: date) -> list[Step]:
    """The trend's steps over the period from ``start`` to ``end``."""
    result = []
    if kind == WEEKLY:
        day = start
        while day <= end:
            result.append(Step(f"{day:%a} {day:%m-%d}", day, day))
            day += timedelta(days=1)
    elif kind == MONTHLY:
        day = start
        while day <= end:
            last = min(day + timedelta(days=6 - day.weekday()), end)
            result.append(Step(f"{day:%m-%d}", day, last))
            day = last + timedelta(days=1)
    else:
        day = start
        while day <= end:
            result.append(Step(f"{day:%Y-%m}", day, _month_end(day)))
            day = _month_end(day) + timedelta(days=1)
    return result
