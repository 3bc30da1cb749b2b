"""The SLO parts of an OpenSLO v1 document: time window, budgeting method and objective,
mapped onto Covenant's windows (7d, 28d, 30d, month, quarter) and percentage targets."""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime
from decimal import Decimal

from apps.slos.choices import BudgetingMethod, SloWindow

from ..prometheus import DEFAULT_STEP_SECONDS
from .yamlview import Fields, Reader, View

DURATION = re.compile(r"^([1-9][0-9]*)([mhdwMQY])$")
MINUTES = {"m": 1, "h": 60, "d": 1440, "w": 10080}
ROLLING_DAYS = {7: SloWindow.ROLLING_7D, 28: SloWindow.ROLLING_28D, 30: SloWindow.ROLLING_30D}
CALENDAR = {
    ("1", "M"): SloWindow.MONTH,
    ("3", "M"): SloWindow.QUARTER,
    ("1", "Q"): SloWindow.QUARTER,
}
UNIT_WORDS = {"m": "minute", "h": "hour", "d": "day", "w": "week", "M": "month", "Q": "quarter"}
# Covenant keeps targets as percentages with 4 decimal places (99.9995 %).
PERCENT_PLACES = 4


def time_window(reader: Reader, spec: Fields) -> tuple[str | None, str | None]:
    windows = spec.sequence("timeWindow", required=True)
    if windows is None:
        return None, None
    if len(windows) != 1:
        view = spec.get("timeWindow")
        reader.error(view, f"must hold exactly one window (got {len(windows)})")
        return None, None
    window = Fields.of(reader, windows[0], ("duration", "isRolling", "calendar"))
    if window is None:
        return None, None
    duration = window.string("duration", required=True)
    rolling = window.boolean("isRolling")
    calendar = window.mapping("calendar", ("startTime", "timeZone"))
    match = DURATION.match(duration)
    if duration and not match:
        reader.error(
            window.get("duration"),
            f"{duration!r} is not a duration: a whole number and one of m, h, d, w, M, Q, Y",
        )
    if not match:
        return None, None
    count, unit = match.groups()
    if rolling and calendar is not None:
        reader.error(calendar.view, "a rolling window (isRolling: true) takes no calendar")
        return None, None
    if rolling:
        return _rolling_window(reader, window.get("duration"), int(count), unit), None
    if calendar is None:
        reader.error(
            window.view, "say isRolling: true for a rolling window, or give a calendar window"
        )
        return None, None
    chosen = CALENDAR.get((count, unit))
    if chosen is None:
        reader.error(
            window.get("duration"),
            f"a calendar window of {_spelled(int(count), unit)} is not supported: Covenant's "
            "calendar windows are 1M (a month) and 1Q (a quarter)",
        )
        return None, None
    timezone = "UTC"
    if calendar.get("timeZone") is not None:
        timezone = timezone_name(reader, calendar.get("timeZone"), calendar.string("timeZone"))
    start = calendar.get("startTime")
    if start is not None:
        _calendar_start(reader, start, chosen)
    return chosen, timezone


def _rolling_window(reader: Reader, view: View, count: int, unit: str) -> str | None:
    spelled = _spelled(count, unit)
    if unit not in MINUTES:
        reader.error(
            view,
            f"a rolling window of {spelled} has no fixed length: Covenant's rolling windows are "
            "7d, 28d and 30d (or use a calendar window for months and quarters)",
        )
        return None
    minutes = count * MINUTES[unit]
    days = minutes // 1440
    if minutes % 1440 == 0 and days in ROLLING_DAYS:
        return ROLLING_DAYS[days]
    reader.error(
        view,
        f"a rolling window of {spelled} is not supported: Covenant's rolling windows are "
        "7d (1w), 28d (4w) and 30d",
    )
    return None


def _spelled(count: int, unit: str) -> str:
    if unit == "Y":
        return f"{count}Y ({count} year{'s' * (count != 1)})"
    word = UNIT_WORDS[unit]
    spelled = f"{count}{unit} ({count} {word}{'s' * (count != 1)})"
    if unit == "m":
        spelled = spelled[:-1] + f"; a month is {count}M)"
    return spelled


def timezone_name(reader: Reader, view: View, name: str | None) -> str | None:
    try:
        zoneinfo.ZoneInfo(name or "")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        reader.error(view, f"{name!r} is not an IANA time zone (e.g. Europe/Paris)")
        return None
    return name


def _calendar_start(reader: Reader, view: View, window: str) -> None:
    try:
        start = datetime.fromisoformat(str(view.text))
    except ValueError:
        reader.error(view, f"must be a date and time, e.g. 2024-01-01 00:00:00 (got {view.text!r})")
        return
    aligned = start.day == 1 and start.time() == datetime.min.time()
    if window == SloWindow.QUARTER:
        aligned = aligned and start.month % 3 == 1
    if not aligned:
        reader.warn(
            view,
            "ignored: Covenant's calendar windows start on the first day of each "
            f"{'quarter' if window == SloWindow.QUARTER else 'month'} at 00:00 in timeZone",
        )


def budgeting_method(reader: Reader, spec: Fields) -> str | None:
    method = spec.string("budgetingMethod", required=True)
    if not method:
        return None
    if method == "Occurrences":
        return BudgetingMethod.OCCURRENCES
    if method == "Timeslices":
        return BudgetingMethod.TIMESLICES
    view = spec.get("budgetingMethod")
    if method == "RatioTimeslices":
        reader.error(
            view,
            "RatioTimeslices (the average of the slices' ratios) is not supported: "
            "use Occurrences or Timeslices",
        )
    else:
        reader.error(view, f"must be Occurrences, Timeslices or RatioTimeslices (got {method!r})")
    return None


def objective(
    reader: Reader, spec: Fields, method: str | None, *, has_ratio: bool
) -> tuple[Decimal | None, Decimal | None]:
    objectives = spec.sequence("objectives", required=True)
    if objectives is None:
        return None, None
    if not objectives:
        reader.error(spec.get("objectives"), "needs one objective")
        return None, None
    if len(objectives) > 1:
        reader.error(
            spec.get("objectives"),
            f"has {len(objectives)} objectives; Covenant keeps one target per SLO (an SLA "
            "belongs on a contract commitment): split them into one SLO each",
        )
    objective = Fields.of(
        reader,
        objectives[0],
        (
            "displayName",
            "op",
            "value",
            "target",
            "targetPercent",
            "timeSliceTarget",
            "timeSliceWindow",
            "indicator",
            "indicatorRef",
            "compositeWeight",
        ),
    )
    if objective is None:
        return None, None
    for key in ("op", "value"):
        if objective.get(key) is not None and has_ratio:
            reader.error(
                objective.get(key),
                "forbidden: op and value compare a thresholdMetric; a ratioMetric objective "
                "has only a target",
            )
    target = _target(reader, objective)
    timeslice_target = None
    timeslice_view = objective.get("timeSliceTarget")
    window_view = objective.get("timeSliceWindow")
    if method == BudgetingMethod.TIMESLICES:
        fraction = objective.number("timeSliceTarget", required=True)
        if fraction is not None and not 0 < fraction <= 1:
            reader.error(timeslice_view, f"must be in (0, 1] (got {fraction})")
        elif fraction is not None:
            timeslice_target = _percent(reader, timeslice_view, fraction * 100)
        if objective.get("timeSliceWindow", required=True) is not None:
            _slice_window(reader, window_view)
    elif method == BudgetingMethod.OCCURRENCES:
        for view in (timeslice_view, window_view):
            if view is not None:
                reader.warn(view, "ignored: it applies to the Timeslices budgeting method only")
    return target, timeslice_target


def _target(reader: Reader, objective: Fields) -> Decimal | None:
    fraction_view, percent_view = objective.get("target"), objective.get("targetPercent")
    if fraction_view is not None and percent_view is not None:
        reader.error(percent_view, "give target or targetPercent, not both")
        return None
    if fraction_view is None and percent_view is None:
        reader.error(
            View(objective.view.node, objective.view.child_path("target"), objective.view.line),
            "required (or targetPercent)",
        )
        return None
    if fraction_view is not None:
        fraction = objective.number("target")
        if fraction is None:
            return None
        if not 0 <= fraction < 1:
            reader.error(fraction_view, f"must be in [0, 1) (got {fraction})")
            return None
        percent, view = fraction * 100, fraction_view
    else:
        percent = objective.number("targetPercent")
        if percent is None:
            return None
        if not 0 <= percent < 100:
            reader.error(percent_view, f"must be in [0, 100) (got {percent})")
            return None
        view = percent_view
    if percent == 0:
        reader.error(view, "Covenant needs a target above 0")
        return None
    return _percent(reader, view, percent)


def _percent(reader: Reader, view: View, percent: Decimal) -> Decimal | None:
    normalized = percent.normalize()
    if normalized.as_tuple().exponent < -PERCENT_PLACES:
        reader.error(
            view,
            f"{normalized} % has more than {PERCENT_PLACES} decimal places (Covenant keeps "
            "targets to 0.0001 %)",
        )
        return None
    return normalized.quantize(Decimal(1).scaleb(-PERCENT_PLACES))


def _slice_window(reader: Reader, view: View) -> None:
    text = view.text or ""
    match = DURATION.match(text)
    if text.isdigit():
        minutes = int(text)  # the spec reads a bare number as minutes
    elif match and match.group(2) in MINUTES:
        minutes = int(match.group(1)) * MINUTES[match.group(2)]
    else:
        reader.error(view, f"must be minutes or a duration such as 5m or 1h (got {text!r})")
        return
    if minutes * 60 != DEFAULT_STEP_SECONDS:
        reader.warn(
            view,
            f"not stored: Covenant's time slices are the SLI's sample buckets "
            f"({DEFAULT_STEP_SECONDS // 60} minutes)",
        )
