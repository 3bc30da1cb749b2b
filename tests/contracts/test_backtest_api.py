"""POST /api/v1/backtest/: a proposed SLA replayed on SLI history, through SQL aggregation."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from tests.conftest import api_as
from tests.measurements.gate_helpers import record_months

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)
# Nov 2025 … Oct 2026; March has no data.
YEAR = dict(
    zip(
        [date(2025, 11, 1), date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 11)],
        ["99.995", "99.95", "99.5", "98.5", None, "99.99", "99.98", "99.97", "94.0",
         "99.999", "99.9", "99.0"],
        strict=True,
    )
)  # fmt: skip


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(availability):
    record_months(availability, {d: a for d, a in YEAR.items() if a is not None})
    # Older than the default window: must not count.
    record_months(availability, {date(2025, 10, 1): "50"})
    return availability


def _post(user, **payload):
    return api_as(user).post("/api/v1/backtest/", payload, format="json")


def test_a_year_of_history_gives_the_hand_computed_figures(alice, history, slo, schedule):
    response = _post(
        alice,
        indicator=history.pk,
        target="99.9",
        period="month",
        credit_schedule=schedule.pk,
        monthly_fee="10000",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert [p["start"] for p in body["periods"]][:2] == ["2025-11-01", "2025-12-01"]
    assert len(body["periods"]) == 12
    assert [p["breached"] for p in body["periods"]] == [
        False, False, True, True, False, False, False, False, True, False, False, True,
    ]  # fmt: skip
    assert body["periods"][4]["attainment"] is None
    assert body["periods"][1]["credit_amount"] == "1000.00"
    # Breaches in Jan, Feb, Jul, Oct over 11 months with data.
    assert (body["breaches"], body["periods_with_data"]) == (4, 11)
    assert body["breach_rate"] == "0.3636"
    # Credits: Dec, Jan, May, Jun, Sep, Oct 10 % (1000 each), Feb 25 %, Jul 100 %:
    # 18 500 € over 11 months with data, × 12.
    assert body["total_credits"] == "18500.00"
    assert body["expected_annual_credits"] == "20181.82"
    assert body["safest_target"] == "94.0000"
    assert body["policy_safe_maximum"] == "99.8000"
    # A 99.9 % SLA needs a 99.95 % SLO; history met that in Nov, Dec, Apr, May, Jun and Aug.
    assert body["required_slo_target"] == "99.9500"
    assert body["slo_met_required"] == {
        "met": 6,
        "measured": 11,
        "of_last": 12,
        "period": "month",
        "streak": 0,
    }


def test_inline_tiers_and_an_explicit_range(alice, history):
    response = _post(
        alice,
        indicator=history.pk,
        target="99.5",
        tiers=[{"upper": "99.5", "credit_percent": "50"}],
        cap_percent="30",
        monthly_fee="100",
        start="2026-01-01",
        end="2026-03-01",
    )

    body = response.json()
    assert [p["start"] for p in body["periods"]] == ["2026-01-01", "2026-02-01"]
    assert [p["credit_amount"] for p in body["periods"]] == ["0.00", "30.00"]
    assert body["breach_rate"] == "0.5000"


def test_quarters_group_the_months(alice, history):
    body = _post(
        alice,
        indicator=history.pk,
        target="99",
        period="quarter",
        start="2026-01-01",
        end="2026-07-01",
    ).json()
    assert [p["start"] for p in body["periods"]] == ["2026-01-01", "2026-04-01"]
    assert body["expected_annual_credits"] == "0.00"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"indicator": None, "target": "99.9"}, "indicator"),
        ({"indicator": 999999, "target": "99.9"}, "indicator"),
        ({"target": "101"}, "target"),
        ({"target": "99.99999"}, "target"),
        ({"target": "99.9", "period": "week"}, "period"),
        ({"target": "99.9", "monthly_fee": "-1"}, "monthly_fee"),
        ({"target": "99.9", "credit_schedule": 999999}, "credit_schedule"),
        ({"target": "99.9", "start": "2026-01-01"}, "end"),
        ({"target": "99.9", "start": "2026-03-01", "end": "2026-01-01"}, "end"),
        ({"target": "99.9", "start": "2000-01-01", "end": "2026-01-01"}, "start"),
        ({"target": "99.9", "timezone": "Mars/Olympus"}, "timezone"),
        (
            {
                "target": "99.9",
                "tiers": [
                    {"lower": "95", "upper": "99.9", "credit_percent": "10"},
                    {"lower": "99", "upper": "99.99", "credit_percent": "5"},
                ],
            },
            "tiers",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field(alice, availability, payload, field):
    payload = {"indicator": availability.pk, **payload}
    response = _post(alice, **payload)
    assert response.status_code == 400
    assert field in response.json()


def test_only_people_who_see_commitments_may_backtest(api, mallory, availability):
    payload = {"indicator": availability.pk, "target": "99.9"}
    assert _post(mallory, **payload).status_code == 403
    assert api.post("/api/v1/backtest/", payload, format="json").status_code in (401, 403)


def test_the_backtest_runs_in_a_fixed_number_of_queries(
    django_assert_max_num_queries, alice, history, slo, schedule
):
    client = api_as(alice)
    payload = {"indicator": history.pk, "target": "99.9", "credit_schedule": schedule.pk}
    # Permissions (2), indicator, schedule + tiers, one GROUP BY, SLOs, policy, risk (2),
    # the SLO's level history: never one query per period or per sample.
    with django_assert_max_num_queries(12):
        assert client.post("/api/v1/backtest/", payload, format="json").status_code == 200
