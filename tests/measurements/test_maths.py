"""Error budgets, burn rates and alert windows against published tables, and their properties."""

import calendar
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.measurements import maths

DAY = 86_400
targets = st.decimals(min_value="0.0001", max_value="99.9999", places=4)
counts = st.integers(min_value=0, max_value=10**12)


@st.composite
def good_and_total(draw):
    total = draw(st.integers(min_value=1, max_value=10**12))
    return draw(st.integers(min_value=0, max_value=total)), total


# --- published figures -------------------------------------------------------------------------


def test_allowed_downtime_of_three_nines_over_30_days_is_43_minutes_12_seconds():
    """Google SRE book, appendix "Availability Table" (https://sre.google/sre-book/availability-table/):
    99.9 % allows 43.2 minutes per month (30 days) = 43 min 12 s."""
    assert maths.allowed_downtime_seconds(Decimal("99.9"), 30 * DAY) == 43 * 60 + 12


@pytest.mark.parametrize(
    ("target", "window", "published_seconds"),
    [
        # The availability table's columns: per year (365 d), quarter (90 d), month (30 d),
        # week. 99.99 %: 52.56 min, 12.96 min, 4.32 min, 60.48 s (printed "60.5 seconds").
        ("99.99", "365d", Decimal("52.56") * 60),
        ("99.99", "quarter", Decimal("12.96") * 60),
        ("99.99", "30d", Decimal("4.32") * 60),
        ("99.99", "7d", Decimal("60.48")),
        # 99.9 %: 8.76 h a year, 2.16 h a quarter, 10.08 min a week.
        ("99.9", "365d", Decimal("8.76") * 3600),
        ("99.9", "quarter", Decimal("2.16") * 3600),
        ("99.9", "7d", Decimal("10.08") * 60),
        # 99.5 %: 3.6 h a month; 99 %: 7.2 h a month; 99.999 %: 25.92 s a month.
        ("99.5", "month", Decimal("3.6") * 3600),
        ("99", "30d", Decimal("7.2") * 3600),
        ("99.999", "30d", Decimal("25.92")),
    ],
)
def test_allowed_downtime_matches_the_sre_book_availability_table(
    target, window, published_seconds
):
    """https://sre.google/sre-book/availability-table/ (a month there is 30 days, a quarter 90)."""
    seconds = maths.window_seconds(window)
    assert maths.allowed_downtime_seconds(Decimal(target), seconds) == published_seconds


def test_calendar_month_with_period_uses_its_own_length():
    """February 2026 has 28 days: 99.9 % allows 0.001 × 28 × 86,400 s = 40 min 19.2 s."""
    seconds = maths.window_seconds("month", "2026-02")
    assert seconds == 28 * DAY
    assert maths.allowed_downtime_seconds(Decimal("99.9"), seconds) == Decimal("2419.2")
    assert maths.window_seconds("month", "2024-02") == 29 * DAY  # leap year
    assert maths.window_seconds("month", "2026-01") == 31 * DAY


def test_quarter_period_accepts_quarter_or_month_spelling():
    assert maths.window_seconds("quarter", "2026-Q1") == 90 * DAY
    assert maths.window_seconds("quarter", "2026-02") == 90 * DAY
    assert maths.window_seconds("quarter", "2026-Q3") == 92 * DAY
    assert maths.parse_period("quarter", "2026-q4") == (date(2026, 10, 1), date(2027, 1, 1))


@pytest.mark.parametrize(
    ("window", "period", "message"),
    [
        ("month", "2026-13", "YYYY-MM"),
        ("month", "2026-Q1", "YYYY-MM"),
        ("month", "Feb 2026", "YYYY-MM"),
        ("quarter", "2026-Q5", "YYYY-Qn"),
        ("30d", "2026-02", "calendar window"),
        ("fortnight", None, "Unknown window"),
    ],
)
def test_bad_windows_and_periods_are_refused_with_a_reason(window, period, message):
    with pytest.raises(ValueError, match=message):
        maths.window_seconds(window, period)


def test_workbook_burn_rate_thresholds_for_a_30_day_window():
    """Google SRE workbook, "Alerting on SLOs", table 5-8 (https://sre.google/workbook/alerting-on-slos/):
    page at 2 % of the budget in 1 h (burn rate 14.4) and 5 % in 6 h (6), ticket at 10 % in
    3 d (1), each with a short window of 5 min, 30 min and 6 h."""
    thirty_days = maths.window_seconds("30d")
    published = [
        ("page", "1h", "5m", Decimal("14.4"), Decimal("0.02")),
        ("page", "6h", "30m", Decimal("6"), Decimal("0.05")),
        ("ticket", "3d", "6h", Decimal("1"), Decimal("0.10")),
    ]
    ours = [
        (r.severity, r.long_window, r.short_window, r.threshold(thirty_days), r.budget_fraction)
        for r in maths.ALERT_RULES
    ]
    assert ours == published
    for rule in maths.ALERT_RULES:
        spent = rule.threshold(thirty_days) * maths.LOOKBACK_SECONDS[rule.long_window]
        assert spent / thirty_days == rule.budget_fraction


@pytest.mark.parametrize(
    ("rate", "days_to_exhaustion"),
    [(Decimal(1), 30), (Decimal(2), 15), (Decimal(10), 3), (Decimal(1000), Decimal("0.03"))],
)
def test_time_to_exhaust_a_30_day_budget(rate, days_to_exhaustion):
    """SRE workbook, "Alerting on SLOs", table 5-4 (99.9 % SLO, 30 days): burn rate 1 → 30 days,
    2 → 15 days, 10 → 3 days, 1,000 → 43 minutes (0.03 days = 43.2 min)."""
    seconds = maths.time_to_exhaustion_seconds(rate, 30 * DAY)
    assert seconds == Decimal(days_to_exhaustion) * DAY


def test_burn_rate_of_a_one_percent_error_ratio_on_three_nines_is_ten():
    """Workbook table 5-4: a 1 % error rate on a 99.9 % SLO is burn rate 10."""
    assert maths.burn_rate(99, 100, Decimal("99.9")) == 10


@pytest.mark.parametrize(
    ("window", "page_1h"),
    [("7d", Decimal("3.36")), ("28d", Decimal("13.44")), ("30d", Decimal("14.4"))],
)
def test_thresholds_scale_with_the_window_to_spend_the_same_budget_share(window, page_1h):
    """Our scaling: threshold × window / 30 d: "2 % of the budget in an hour" keeps its meaning."""
    seconds = maths.window_seconds(window)
    assert maths.ALERT_RULES[0].threshold(seconds) == page_1h


# --- alerts ------------------------------------------------------------------------------------


def _rates_by_name(mapping):
    rates = dict.fromkeys(maths.LOOKBACK_SECONDS, Decimal(0))
    rates.update({name: None if v is None else Decimal(v) for name, v in mapping.items()})
    return rates


def test_page_needs_both_the_long_and_the_short_window_above_threshold():
    fired = maths.evaluate_alerts(_rates_by_name({"1h": "15", "5m": "20"}))
    assert [(a.severity, a.long_window) for a in fired] == [("page", "1h")]

    # The incident is over: the 5-minute window has recovered, so the page resets.
    assert maths.evaluate_alerts(_rates_by_name({"1h": "15", "5m": "2"})) == []


def test_rate_exactly_at_threshold_does_not_fire():
    assert maths.evaluate_alerts(_rates_by_name({"1h": "14.4", "5m": "14.4"})) == []


def test_slow_burn_opens_a_ticket_not_a_page():
    fired = maths.evaluate_alerts(_rates_by_name({"3d": "1.5", "6h": "1.2", "30m": "1.1"}))
    assert [(a.severity, a.long_window, a.short_window) for a in fired] == [("ticket", "3d", "6h")]


def test_lookback_without_data_never_fires():
    assert maths.evaluate_alerts(_rates_by_name({"1h": "100", "5m": None})) == []


def test_a_seven_day_window_pages_at_a_lower_rate():
    rates = _rates_by_name({"1h": "4", "5m": "4"})
    assert maths.evaluate_alerts(rates, maths.window_seconds("30d")) == []
    fired = maths.evaluate_alerts(rates, maths.window_seconds("7d"))
    assert [(a.severity, a.threshold) for a in fired] == [("page", Decimal("3.36"))]


# --- windows -----------------------------------------------------------------------------------


def test_calendar_window_starts_at_local_midnight_on_the_first():
    paris = ZoneInfo("Europe/Paris")
    at = datetime(2026, 5, 17, 10, 0, tzinfo=paris)
    assert maths.window_bounds("month", at) == (datetime(2026, 5, 1, tzinfo=paris), at)
    assert maths.window_bounds("quarter", at)[0] == datetime(2026, 4, 1, tzinfo=paris)
    assert maths.window_bounds("7d", at)[0] == datetime(2026, 5, 10, 10, 0, tzinfo=paris)


def test_period_starts_cover_first_to_last_inclusive():
    assert maths.period_starts("quarter", date(2025, 11, 5), date(2026, 4, 1)) == [
        date(2025, 10, 1),
        date(2026, 1, 1),
        date(2026, 4, 1),
    ]


# --- properties --------------------------------------------------------------------------------


@given(good_and_total())
def test_attainment_is_a_percentage(pair):
    good, total = pair
    value = maths.attainment(good, total)
    assert 0 <= value <= 100
    assert (value == 100) == (good == total)


@given(counts)
def test_no_events_is_no_data_never_zero(good):
    assert maths.attainment(good, 0) is None
    assert maths.budget_remaining(maths.attainment(good, 0), Decimal("99.9")) is None
    assert maths.burn_rate(good, 0, Decimal("99.9")) is None


@given(good_and_total(), targets)
def test_consumed_and_remaining_add_up_to_one(pair, target):
    attained = maths.attainment(*pair)
    consumed = maths.budget_consumed(attained, target)
    assert consumed >= 0
    assert consumed + maths.budget_remaining(attained, target) == 1


@given(good_and_total(), good_and_total(), targets)
def test_lower_attainment_consumes_more_budget(first, second, target):
    a, b = maths.attainment(*first), maths.attainment(*second)
    if a <= b:
        assert maths.budget_consumed(a, target) >= maths.budget_consumed(b, target)


@given(targets)
def test_attainment_exactly_on_target_burns_at_rate_one(target):
    # 10^6 events at the target's 4 places leave a whole number of bad events.
    total = 1_000_000
    good = int(target * total / 100)
    assert maths.burn_rate(good, total, target) == 1


@given(good_and_total(), targets)
def test_burn_rate_is_bad_ratio_over_budget(pair, target):
    good, total = pair
    rate = maths.burn_rate(good, total, target)
    bad_ratio = Decimal(total - good) / Decimal(total)
    assert abs(rate * maths.error_budget(target) - bad_ratio) < Decimal("1e-20")


@given(good_and_total())
def test_a_hundred_percent_target_has_no_budget(pair):
    good, total = pair
    consumed = maths.budget_consumed(maths.attainment(good, total), Decimal(100))
    assert consumed == (0 if good == total else maths.INFINITY)


@given(targets, st.sampled_from(list(maths.ROLLING_WINDOW_SECONDS)))
def test_allowed_downtime_is_the_budget_share_of_the_window(target, window):
    seconds = maths.window_seconds(window)
    downtime = maths.allowed_downtime_seconds(target, seconds)
    assert 0 < downtime < seconds
    assert downtime / seconds == maths.error_budget(target)


@given(st.integers(min_value=1900, max_value=2200))
def test_months_and_quarters_of_a_year_add_up_to_the_year(year):
    days = 366 if calendar.isleap(year) else 365
    months = sum(maths.window_seconds("month", f"{year}-{m:02d}") for m in range(1, 13))
    quarters = sum(maths.window_seconds("quarter", f"{year}-Q{q}") for q in range(1, 5))
    assert months == quarters == days * DAY


@given(
    st.datetimes(min_value=datetime(1900, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(list(maths.WINDOWS)),
)
def test_window_ends_at_the_instant_and_starts_before_it(at, window):
    start, end = maths.window_bounds(window, at)
    assert end == at
    assert start <= at
    assert (at - start).total_seconds() <= maths.window_seconds(window) + 2 * DAY
