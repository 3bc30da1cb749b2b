"""Window sums and calendar-period totals come from SQL, in the SLO's timezone."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from apps.measurements.models import SLISample
from apps.measurements.selectors import (
    PeriodTotals,
    period_timeslices,
    period_totals,
    window_timeslices,
    window_totals,
)
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db


def _sample(indicator, start, good, total, minutes=60):
    return SLISample.objects.create(
        indicator=indicator,
        start=start,
        end=start + timedelta(minutes=minutes),
        good=good,
        total=total,
    )


def _utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_window_totals_sum_samples_starting_in_half_open_window(availability):
    _sample(availability, _utc(2026, 3, 1, 0), 90, 100)
    _sample(availability, _utc(2026, 3, 1, 1), 99, 100)
    _sample(availability, _utc(2026, 3, 1, 2), 50, 50)  # starts at the end: excluded

    assert window_totals(availability.id, _utc(2026, 3, 1, 0), _utc(2026, 3, 1, 2)) == (189, 200)
    assert window_totals(availability.id, _utc(2026, 2, 1), _utc(2026, 3, 1)) == (0, 0)


def test_window_totals_ignore_other_indicators(availability, latency):
    _sample(availability, _utc(2026, 3, 1, 0), 1, 2)
    _sample(latency, _utc(2026, 3, 1, 0), 7, 9)

    assert window_totals(latency.id, _utc(2026, 3, 1), _utc(2026, 3, 2)) == (7, 9)


def test_month_is_calendar_month_in_the_given_timezone(availability):
    paris = ZoneInfo("Europe/Paris")
    # 23:30 UTC on 31 Jan is 00:30 on 1 Feb in Paris: February there, January in UTC.
    _sample(availability, _utc(2026, 1, 31, 23, 30), 10, 10, minutes=30)
    _sample(availability, _utc(2026, 1, 15), 9, 10)
    start = datetime(2026, 1, 1, tzinfo=paris)
    end = datetime(2026, 3, 1, tzinfo=paris)

    in_paris = period_totals([availability.id], "month", start, end, tz="Europe/Paris")
    in_utc = period_totals([availability.id], "month", _utc(2026, 1, 1), _utc(2026, 3, 1))

    assert in_paris[availability.id] == [
        PeriodTotals(date(2026, 1, 1), 9, 10, Decimal(90)),
        PeriodTotals(date(2026, 2, 1), 10, 10, Decimal(100)),
    ]
    assert in_utc[availability.id] == [
        PeriodTotals(date(2026, 1, 1), 19, 20, Decimal(95)),
        PeriodTotals(date(2026, 2, 1), 0, 0, None),
    ]


def test_a_month_whose_first_midnight_does_not_exist_starts_at_its_first_instant(availability):
    # Paraguay moved its clocks from 00:00 to 01:00 on 1 October 2023: October began at
    # 04:00 UTC (the old offset, -4), and 03:59 UTC was still 23:59 on 30 September.
    _sample(availability, _utc(2023, 10, 1, 3, 30), 1, 2, minutes=30)
    _sample(availability, _utc(2023, 10, 1, 4, 0), 3, 4, minutes=30)
    asuncion = ZoneInfo("America/Asuncion")
    start, end = datetime(2023, 9, 1, tzinfo=asuncion), datetime(2023, 11, 1, tzinfo=asuncion)

    result = period_totals([availability.id], "month", start, end, tz="America/Asuncion")

    assert result[availability.id] == [
        PeriodTotals(date(2023, 9, 1), 1, 2, Decimal(50)),
        PeriodTotals(date(2023, 10, 1), 3, 4, Decimal(75)),
    ]


def test_a_window_starting_mid_period_lists_that_whole_period_first(availability):
    _sample(availability, _utc(2026, 2, 20), 1, 4)
    _sample(availability, _utc(2026, 4, 2), 2, 2)
    _sample(availability, _utc(2026, 2, 1), 5, 5)  # before the window: not counted

    result = period_totals([availability.id], "quarter", _utc(2026, 2, 15), _utc(2026, 4, 3))

    assert result[availability.id] == [
        PeriodTotals(date(2026, 1, 1), 1, 4, Decimal(25)),
        PeriodTotals(date(2026, 4, 1), 2, 2, Decimal(100)),
    ]


def test_periods_without_samples_are_no_data_not_a_breach(availability, latency):
    _sample(availability, _utc(2026, 2, 10), 1, 1)

    result = period_totals(
        [availability.id, latency.id], "month", _utc(2026, 1, 1), _utc(2026, 4, 1)
    )

    assert [p.attainment for p in result[availability.id]] == [None, Decimal(100), None]
    assert [p.period_start for p in result[latency.id]] == [
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
    ]
    assert all(p.attainment is None and p.total == 0 for p in result[latency.id])


def test_quarters_group_three_calendar_months(availability):
    for month, good in ((1, 1), (2, 2), (3, 3), (4, 4)):
        _sample(availability, _utc(2026, month, 5), good, 10)

    result = period_totals([availability.id], "quarter", _utc(2026, 1, 1), _utc(2026, 7, 1))

    assert [(p.period_start, p.good, p.total) for p in result[availability.id]] == [
        (date(2026, 1, 1), 6, 30),
        (date(2026, 4, 1), 4, 10),
    ]


def test_period_totals_is_one_query(availability, django_assert_num_queries):
    others = IndicatorFactory.create_batch(3, service=availability.service)
    for indicator in [availability, *others]:
        for month in range(1, 13):
            _sample(indicator, _utc(2026, month, 3), month, 12)

    ids = [availability.id, *(i.id for i in others)]
    with django_assert_num_queries(1):
        result = period_totals(ids, "month", _utc(2026, 1, 1), _utc(2027, 1, 1))

    assert len(result) == 4
    assert [p.good for p in result[others[2].id]] == list(range(1, 13))


def test_unknown_period_is_refused(availability):
    with pytest.raises(ValueError, match="month or quarter"):
        period_totals([availability.id], "week", _utc(2026, 1, 1), _utc(2026, 2, 1))


def test_timeslices_count_buckets_meeting_the_slice_target(availability):
    # Slice target 99 %: 99/100 meets it, 989/1000 does not, an empty bucket is no data.
    _sample(availability, _utc(2026, 5, 1, 0), 99, 100)
    _sample(availability, _utc(2026, 5, 1, 1), 989, 1000)
    _sample(availability, _utc(2026, 5, 1, 2), 100, 100)
    _sample(availability, _utc(2026, 5, 1, 3), 0, 0)

    start, end = _utc(2026, 5, 1), _utc(2026, 6, 1)
    assert window_timeslices(availability.id, start, end, Decimal("99")) == (2, 3)
    [may] = period_timeslices([availability.id], "month", start, end, Decimal("99"))[
        availability.id
    ]
    assert (may.good, may.total) == (2, 3)
    assert may.attainment == Decimal(2) * 100 / 3


def test_timeslice_target_with_four_decimals_is_exact(availability):
    # 99.9999 % of 1,000,000 is 999,999: exactly on the target counts, one fewer does not.
    _sample(availability, _utc(2026, 5, 1, 0), 999_999, 1_000_000)
    _sample(availability, _utc(2026, 5, 1, 1), 999_998, 1_000_000)

    counts = window_timeslices(
        availability.id, _utc(2026, 5, 1), _utc(2026, 5, 2), Decimal("99.9999")
    )
    assert counts == (1, 2)
