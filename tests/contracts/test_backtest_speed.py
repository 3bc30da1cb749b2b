"""A year of hourly samples backtests within the 200 ms aim: SQL does the aggregation."""

import time
from datetime import UTC, datetime

import pytest
import time_machine

from tests.conftest import api_as
from tests.measurements.gate_helpers import record_hours

pytestmark = pytest.mark.django_db


def test_a_year_of_hourly_samples_backtests_quickly(postgres, alice, availability, slo, schedule):
    with time_machine.travel(datetime(2026, 11, 15, 12, tzinfo=UTC), tick=False):
        record_hours(
            availability, datetime(2025, 11, 1, tzinfo=UTC), 365 * 24, good=9995, total=10000
        )
        client = api_as(alice)
        payload = {"indicator": availability.pk, "target": "99.9", "credit_schedule": schedule.pk}
        client.post("/api/v1/backtest/", payload, format="json")  # warm caches (permissions)
        began = time.perf_counter()
        response = client.post("/api/v1/backtest/", payload, format="json")
        elapsed = time.perf_counter() - began

    assert response.json()["safest_target"] == "99.9500"
    print(f"backtest over 8760 hourly samples: {elapsed * 1000:.0f} ms")
    # The aim is 200 ms of server time on PostgreSQL (SQLite truncates dates in Python, row by
    # row); the bound leaves room for a loaded CI machine.
    assert elapsed < 0.4
