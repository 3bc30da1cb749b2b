"""Error budgets, burn rates and alert windows: pure maths, no Django.

Conventions:

- Attainment A over a window = Σgood ÷ Σtotal × 100, in percent; no events is "no data" (None),
  never a breach.
- Error budget of a target t % is b = 1 − t/100. Budget consumed = (1 − A/100) ÷ b; remaining
  = 1 − consumed, which goes negative once the budget is overspent.
- Burn rate over a lookback = the consumed ratio over that lookback: 1 spends exactly the budget
  over the whole SLO window, 14.4 spends 2 % of a 30-day budget in one hour.

A 100 % target has no budget: any bad event consumes an infinite share (``Decimal("Infinity")``),
no bad event consumes nothing.

Alert windows follow the Google SRE workbook ("Alerting on SLOs", multiwindow, multi-burn-rate
alerts, table 5-8), which is written for a 30-day SLO window. For another window W we keep what
each rule means — "this share of the budget went in the long window" — so its threshold is the
30-day one times W / 30 days. A 7-day SLO pages at 14.4 × 7/30 = 3.36: spending 2 % of a 7-day
budget in one hour needs a burn rate of 0.02 × 168 h / 1 h = 3.36. The lookbacks themselves
(1 h/5 min, 6 h/30 min, 3 d/6 h) stay as published.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

HUNDRED = Decimal(100)
INFINITY = Decimal("Infinity")
DAY = 86_400
HOUR = 3_600
MINUTE = 60

# Rolling windows in seconds. "month" and "quarter" are calendar periods; without a period their
# length is the 30-day and 90-day convention of published availability tables.
ROLLING_WINDOW_SECONDS = {
    "7d": 7 * DAY,
    "28d": 28 * DAY,
    "30d": 30 * DAY,
    "365d": 365 * DAY,
}
CALENDAR_WINDOWS = ("month", "quarter")
WINDOWS = (*ROLLING_WINDOW_SECONDS, *CALENDAR_WINDOWS)
DEFAULT_CALENDAR_SECONDS = {"month": 30 * DAY, "quarter": 90 * DAY}
REFERENCE_WINDOW_SECONDS = 30 * DAY

# The lookbacks the status endpoint reports a burn rate for, shortest first.
LOOKBACK_SECONDS = {
    "5m": 5 * MINUTE,
    "30m": 30 * MINUTE,
    "1h": HOUR,
    "6h": 6 * HOUR,
    "1d": DAY,
    "3d": 3 * DAY,
}


@dataclass(frozen=True)
class AlertRule:
    """One multiwindow rule: fire when both lookbacks burn faster than the threshold."""

    severity: str
    long_window: str
    short_window: str
    budget_fraction: Decimal  # share of the window's budget the long lookback spends at threshold

    def threshold(self, window_seconds: int) -> Decimal:
        """Burn rate that spends ``budget_fraction`` of the budget within the long lookback."""
        return self.budget_fraction * Decimal(window_seconds) / LOOKBACK_SECONDS[self.long_window]


# SRE workbook table 5-8: 2 % in 1 h (14.4), 5 % in 6 h (6), 10 % in 3 d (1) of a 30-day budget.
ALERT_RULES = (
    AlertRule("page", "1h", "5m", Decimal("0.02")),
    AlertRule("page", "6h", "30m", Decimal("0.05")),
    AlertRule("ticket", "3d", "6h", Decimal("0.10")),
)


@dataclass(frozen=True)
class Alert:
    """A rule that fires, with the burn rates that made it fire."""

    severity: str
    long_window: str
    short_window: str
    threshold: Decimal
    long_burn_rate: Decimal
    short_burn_rate: Decimal
    budget_fraction: Decimal


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def error_budget(target) -> Decimal:
    """The share of events allowed to be bad: 1 − t/100 (0.001 for 99.9 %)."""
    return 1 - _decimal(target) / HUNDRED


def attainment(good: int, total: int) -> Decimal | None:
    """Σgood ÷ Σtotal × 100, or None ("no data") when there were no events."""
    if not total:
        return None
    return Decimal(good) * HUNDRED / Decimal(total)


def budget_consumed(attainment: Decimal | None, target) -> Decimal | None:
    """Share of the error budget spent: (1 − A/100) ÷ (1 − t/100); None without data."""
    if attainment is None:
        return None
    bad = 1 - _decimal(attainment) / HUNDRED
    budget = error_budget(target)
    if budget == 0:
        return INFINITY if bad > 0 else Decimal(0)
    return bad / budget


def budget_remaining(attainment: Decimal | None, target) -> Decimal | None:
    """1 − consumed: negative once the budget is overspent; None without data."""
    consumed = budget_consumed(attainment, target)
    return None if consumed is None else 1 - consumed


def burn_rate(good: int, total: int, target) -> Decimal | None:
    """How fast a lookback spends the budget: its bad ratio ÷ the budget; None without data."""
    return budget_consumed(attainment(good, total), target)


def allowed_downtime_seconds(target, window_seconds: int) -> Decimal:
    """Seconds of full outage the budget allows over a window (99.9 % of 30 days: 2592 s)."""
    return error_budget(target) * Decimal(window_seconds)


def time_to_exhaustion_seconds(rate: Decimal, window_seconds: int) -> Decimal | None:
    """How long a whole budget lasts at a constant burn rate; None when nothing burns."""
    if rate is None or rate <= 0:
        return None
    return Decimal(window_seconds) / _decimal(rate)


def alert_threshold(rule: AlertRule, window_seconds: int) -> Decimal:
    return rule.threshold(window_seconds)


def evaluate_alerts(
    burn_rates: dict[str, Decimal | None], window_seconds: int = REFERENCE_WINDOW_SECONDS
) -> list[Alert]:
    """The rules whose long AND short lookbacks both burn strictly faster than the threshold.

    A lookback without data never fires: no data is not a breach.
    """
    fired = []
    for rule in ALERT_RULES:
        threshold = rule.threshold(window_seconds)
        long_rate = burn_rates.get(rule.long_window)
        short_rate = burn_rates.get(rule.short_window)
        if long_rate is None or short_rate is None:
            continue
        if long_rate > threshold and short_rate > threshold:
            fired.append(
                Alert(
                    severity=rule.severity,
                    long_window=rule.long_window,
                    short_window=rule.short_window,
                    threshold=threshold,
                    long_burn_rate=long_rate,
                    short_burn_rate=short_rate,
                    budget_fraction=rule.budget_fraction,
                )
            )
    return fired


# --- windows and calendar periods -----------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)


def parse_period(window: str, period: str) -> tuple[date, date]:
    """[first day, first day of the next period) of "YYYY-MM" (month) or "YYYY-Qn" (quarter).

    A quarter also accepts "YYYY-MM", meaning the quarter holding that month. Raises ValueError
    with a message fit for a person.
    """
    if window not in CALENDAR_WINDOWS:
        raise ValueError(
            f"A period only applies to a calendar window (month, quarter), not {window!r}."
        )
    month_match = _MONTH.match(period or "")
    quarter_match = _QUARTER.match(period or "") if window == "quarter" else None
    if quarter_match:
        year, first_month = int(quarter_match[1]), 3 * int(quarter_match[2]) - 2
    elif month_match and 1 <= int(month_match[2]) <= 12:
        year, first_month = int(month_match[1]), int(month_match[2])
        if window == "quarter":
            first_month = first_month - (first_month - 1) % 3
    else:
        expected = "YYYY-MM" if window == "month" else "YYYY-Qn or YYYY-MM"
        raise ValueError(f"Expected a period as {expected}, got {period!r}.")
    if year < 1:
        raise ValueError(f"Expected a period as YYYY-MM, got {period!r}.")
    first = date(year, first_month, 1)
    return first, add_months(first, 1 if window == "month" else 3)


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_start(day: date, period: str) -> date:
    """First day of the calendar month or quarter holding ``day``."""
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return date(day.year, day.month - (day.month - 1) % 3, 1)
    raise ValueError(f"Unknown period {period!r}: expected month or quarter.")


def period_starts(period: str, first: date, last: date) -> list[date]:
    """Every calendar period start from the one holding ``first`` to the one holding ``last``."""
    step = 1 if period == "month" else 3
    current, stop = period_start(first, period), period_start(last, period)
    starts = []
    while current <= stop:
        starts.append(current)
        current = add_months(current, step)
    return starts


def window_seconds(window: str, period: str | None = None) -> int:
    """Length of an SLO window in seconds.

    Rolling windows are fixed. A calendar window with a period ("2026-02") is that period's
    length in whole days (February 2026: 28 days); without one, the 30/90-day convention.
    """
    if window in ROLLING_WINDOW_SECONDS:
        if period:
            raise ValueError(f"A period only applies to a calendar window, not {window!r}.")
        return ROLLING_WINDOW_SECONDS[window]
    if window in CALENDAR_WINDOWS:
        if not period:
            return DEFAULT_CALENDAR_SECONDS[window]
        first, after = parse_period(window, period)
        return (after - first).days * DAY
    raise ValueError(f"Unknown window {window!r}: expected one of {', '.join(WINDOWS)}.")


def days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def window_bounds(window: str, at: datetime) -> tuple[datetime, datetime]:
    """[start, at) of the SLO window that ends at ``at`` (aware, in the SLO's timezone).

    Rolling windows reach back their length; calendar windows start at local midnight on the
    first day of the month or quarter holding ``at``.
    """
    if window in ROLLING_WINDOW_SECONDS:
        return at - timedelta(seconds=ROLLING_WINDOW_SECONDS[window]), at
    if window in CALENDAR_WINDOWS:
        first = period_start(at.date(), window)
        start = datetime(first.year, first.month, first.day, tzinfo=at.tzinfo)
        return start, at
    raise ValueError(f"Unknown window {window!r}: expected one of {', '.join(WINDOWS)}.")


def periods_met(history: Sequence[tuple[date, Decimal | None]], level: Decimal) -> tuple[int, int]:
    """(periods with data at or above level, periods with data) — "met in 9 of the last 12"."""
    measured = [a for _, a in history if a is not None]
    return sum(Decimal(a) >= Decimal(level) for a in measured), len(measured)


def recent_streak(history: Sequence[tuple[date, Decimal | None]], level: Decimal) -> int:
    """How many of the latest periods with data met the level in a row."""
    streak = 0
    for _, attainment in sorted(history, key=lambda pair: pair[0], reverse=True):
        if attainment is None:
            continue
        if Decimal(attainment) < Decimal(level):
            break
        streak += 1
    return streak
