"""The backtest beside a line says which rule made each breach and each credit."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.measurements.gate_helpers import record_months

from .helpers import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(datetime(2026, 11, 15, 12, tzinfo=UTC), tick=False):
        yield


def test_backtest_rows_name_their_breach_and_credit_rules(alice, availability, slo, schedule):
    record_months(availability, {date(2026, 7, 1): "99.95", date(2026, 8, 1): "99.5"})
    html = (
        client_as(alice)
        .get(
            reverse("contracts:backtest-preview"),
            {
                "indicator": availability.pk,
                "target": "99.9",
                "period": "month",
                "credit_schedule": schedule.pk,
                "monthly_fee": "10000",
            },
        )
        .content.decode()
    )
    # August breached; July met 99.9 % yet the schedule (< 99.99 % → 10 %) credits it.
    assert (
        '<span class="badge expired">✗ breached</span> <span class="muted">below 99.9 % '
        "target</span>" in html
    )
    assert html.count("(credit: tier ≥ 99 and &lt; 99.99 % → 10 %)") == 2
