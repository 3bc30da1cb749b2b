"""AT_RISK: an SLO missed in a recent full period, or with its window budget spent."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from apps.measurements.risk import slo_risks
from apps.slos.choices import SloWindow
from apps.slos.selectors import evaluate_alignment, policy_for_service
from tests.factories import IndicatorFactory, SLOFactory

from .gate_helpers import record_hours, record_months

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)
HEALTHY = {date(2026, 8, 1): "99.95", date(2026, 9, 1): "99.97", date(2026, 10, 1): "99.99"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_an_slo_met_in_the_last_three_months_with_budget_left_is_not_at_risk(slo, availability):
    record_months(availability, HEALTHY)
    record_hours(availability, datetime(2026, 11, 1, tzinfo=UTC), 24, good=9999, total=10000)

    risk = slo_risks([slo])[slo.pk]

    assert risk.at_risk is False
    assert risk.reasons == ()
    assert risk.budget.remaining == Decimal("0.9")


def test_a_missed_month_puts_the_slo_at_risk_with_the_figures(slo, availability):
    record_months(availability, {**HEALTHY, date(2026, 9, 1): "99.5"})

    risk = slo_risks([slo])[slo.pk]

    assert risk.at_risk is True
    assert risk.reasons == (
        "The SLO missed its own 99.9 % target in 1 of the last 3 months: 2026-09 99.5 %.",
    )
    assert [p.period_start for p in risk.missed] == [date(2026, 9, 1)]


def test_a_miss_older_than_three_full_months_no_longer_counts(slo, availability):
    record_months(availability, {**HEALTHY, date(2026, 7, 1): "98"})

    assert slo_risks([slo])[slo.pk].at_risk is False


def test_the_current_month_does_not_count_as_a_missed_period(slo, availability):
    """November is not over: only its window budget speaks for it."""
    record_months(availability, HEALTHY)
    record_hours(availability, datetime(2026, 11, 14, tzinfo=UTC), 2, good=9995, total=10000)
    record_hours(availability, datetime(2026, 11, 1, tzinfo=UTC), 200, good=10000, total=10000)

    assert slo_risks([slo])[slo.pk].at_risk is False


def test_an_exhausted_window_budget_puts_the_slo_at_risk(slo, availability):
    record_months(availability, HEALTHY)
    record_hours(availability, datetime(2026, 11, 1, tzinfo=UTC), 48, good=9900, total=10000)

    risk = slo_risks([slo])[slo.pk]

    assert risk.at_risk is True
    assert risk.budget.remaining == Decimal(-9)
    assert risk.reasons == (
        "The SLO's error budget over its window (rolling 30 days) is exhausted: attainment "
        "99 % against 99.9 %, 1000 % of the budget spent.",
    )


def test_no_data_is_never_a_risk(slo):
    risk = slo_risks([slo])[slo.pk]
    assert risk.at_risk is False
    assert risk.budget.attainment is None


def test_a_quarterly_slo_is_judged_on_full_quarters(availability):
    slo = SLOFactory(indicator=availability, target=Decimal("99.9"), window=SloWindow.QUARTER)
    # Q2 2026 missed (the July sample belongs to Q3, which is met); Q4 is still running.
    record_months(availability, {date(2026, 5, 1): "99.0", date(2026, 7, 1): "99.99"})

    risk = slo_risks([slo])[slo.pk]

    assert risk.reasons[0] == (
        "The SLO missed its own 99.9 % target in 1 of the last 3 quarters: 2026-Q2 99 %."
    )


def test_risks_of_many_slos_take_two_queries(django_assert_num_queries, payments):
    slos = [
        SLOFactory(indicator=IndicatorFactory(service=payments), target=Decimal("99.9"))
        for _ in range(5)
    ]
    for slo in slos[:2]:
        record_months(slo.indicator, {date(2026, 10, 1): "99.0"})

    with django_assert_num_queries(2):
        risks = slo_risks(slos)

    assert [risks[slo.pk].at_risk for slo in slos] == [True, True, False, False, False]


def test_evaluate_alignment_reports_the_risk_of_the_deciding_slo(slo, availability):
    record_months(availability, {**HEALTHY, date(2026, 10, 1): "99.7"})

    result = evaluate_alignment(availability, Decimal("99.8"))

    assert result.verdict == "ALIGNED"
    assert result.at_risk is True
    assert "2026-10 99.7 %" in result.at_risk_reasons[0]


def test_list_callers_skip_or_batch_the_data_check(django_assert_num_queries, slo, availability):
    record_months(availability, {date(2026, 10, 1): "99.7"})
    slos, policy = [slo], policy_for_service(availability.service_id)

    with django_assert_num_queries(0):
        skipped = evaluate_alignment(
            availability, Decimal("99.8"), slos=slos, policy=policy, check_risk=False
        )
    risks = slo_risks(slos)
    with django_assert_num_queries(0):
        batched = evaluate_alignment(
            availability, Decimal("99.8"), slos=slos, policy=policy, risks=risks
        )

    assert skipped.at_risk is False
    assert batched.at_risk is True
