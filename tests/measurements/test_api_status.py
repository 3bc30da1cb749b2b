"""GET /api/v1/slos/{id}/status/ and GET /api/v1/budget-calculator/."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from apps.measurements.services import SampleRow, samples_upsert
from apps.slos.choices import BudgetingMethod, SloWindow
from tests.conftest import api_as
from tests.factories import SLOFactory

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
EVENTS_PER_HOUR = 1_200_000


def _status_url(slo):
    return f"/api/v1/slos/{slo.pk}/status/"


def _fill(indicator, start, end, step, bad_ratio=Decimal(0)):
    """Buckets of ``step`` from start to end at steady traffic, with this share of bad events."""
    rows, moment = [], start
    events = int(EVENTS_PER_HOUR * Decimal(step.total_seconds()) / 3600)
    bad = int(events * bad_ratio)
    while moment < end:
        rows.append(SampleRow(indicator.pk, moment, moment + step, events - bad, events))
        moment += step
    samples_upsert(rows=rows)


def test_healthy_slo_has_budget_left_and_no_alerts(bob, slo):
    # 30 days at 0.05 % errors: half the 99.9 % budget spent, burning at 0.5.
    _fill(slo.indicator, AT - timedelta(days=30), AT, timedelta(hours=1), Decimal("0.0005"))

    response = api_as(bob).get(_status_url(slo), {"at": AT.isoformat()})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["attainment"] == "99.950000"
    assert body["budget_consumed"] == "0.500000"
    assert body["error_budget_remaining"] == "0.500000"
    assert body["no_data"] is False
    assert body["window"] == "30d"
    assert body["target"] == "99.9000"
    assert body["alerts"] == []
    # Hourly buckets: lookbacks shorter than an hour hold no bucket start, so they are no data.
    assert body["burn_rates"] == {
        "5m": None,
        "30m": None,
        "1h": "0.500000",
        "6h": "0.500000",
        "1d": "0.500000",
        "3d": "0.500000",
    }


def test_fast_burn_pages(bob, slo):
    # A quiet month, then an hour at 2 % errors in 5-minute buckets: burn rate 20 > 14.4.
    _fill(slo.indicator, AT - timedelta(days=30), AT - timedelta(hours=1), timedelta(hours=1))
    _fill(slo.indicator, AT - timedelta(hours=1), AT, timedelta(minutes=5), Decimal("0.02"))

    body = api_as(bob).get(_status_url(slo), {"at": AT.isoformat()}).json()

    assert body["burn_rates"]["5m"] == "20.000000"
    assert body["burn_rates"]["1h"] == "20.000000"
    [alert] = body["alerts"]
    assert alert["severity"] == "page"
    assert (alert["long_window"], alert["short_window"]) == ("1h", "5m")
    assert alert["threshold"] == "14.4"
    assert alert["long_burn_rate"] == "20.000000"


def test_exhausted_budget_goes_negative(bob, slo):
    _fill(slo.indicator, AT - timedelta(days=3), AT, timedelta(hours=6), Decimal("0.003"))

    body = api_as(bob).get(_status_url(slo), {"at": AT.isoformat()}).json()

    assert body["error_budget_remaining"] == "-2.000000"
    assert [a["severity"] for a in body["alerts"]] == ["ticket"]


def test_slo_without_samples_is_no_data_not_a_breach(bob, slo):
    body = api_as(bob).get(_status_url(slo), {"at": AT.isoformat()}).json()
    assert body["no_data"] is True
    assert body["attainment"] is None
    assert body["error_budget_remaining"] is None
    assert set(body["burn_rates"].values()) == {None}
    assert body["alerts"] == []


def test_calendar_month_window_starts_on_the_first_in_the_slo_timezone(bob, availability):
    slo = SLOFactory(indicator=availability, window=SloWindow.MONTH, timezone="Europe/Paris")
    # February in UTC, but already March in Paris: counts for March.
    samples_upsert(
        rows=[
            SampleRow(availability.pk, datetime(2026, 2, 28, 23, 30, tzinfo=UTC), AT, 0, 10),
            SampleRow(
                availability.pk,
                datetime(2026, 2, 28, 22, 0, tzinfo=UTC),
                datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
                0,
                90,
            ),
        ]
    )

    body = api_as(bob).get(_status_url(slo), {"at": AT.isoformat()}).json()

    assert body["window_start"] == "2026-03-01T00:00:00+01:00"
    assert (body["good"], body["total"]) == (0, 10)
    assert body["window_seconds"] == 31 * 86_400


def test_timeslices_slo_counts_good_buckets(bob, availability):
    slo = SLOFactory(
        indicator=availability,
        budgeting_method=BudgetingMethod.TIMESLICES,
        timeslice_target=Decimal("99"),
        target=Decimal("75"),
    )
    hours = [(99, 100), (100, 100), (98, 100), (990, 1000)]
    samples_upsert(
        rows=[
            SampleRow(
                availability.pk,
                AT - timedelta(hours=4 - i),
                AT - timedelta(hours=3 - i),
                good,
                total,
            )
            for i, (good, total) in enumerate(hours)
        ]
    )

    body = api_as(bob).get(_status_url(slo), {"at": AT.isoformat()}).json()

    assert (body["good"], body["total"]) == (3, 4)
    assert body["attainment"] == "75.000000"
    assert body["error_budget_remaining"] == "0.000000"


def test_status_is_two_queries_whatever_the_data(bob, slo, django_assert_num_queries):
    _fill(slo.indicator, AT - timedelta(days=30), AT, timedelta(hours=1))
    client = api_as(bob)
    client.get(_status_url(slo))  # warm the permission cache of this user object
    # The SLO, then one conditional aggregation for the window and all six lookbacks.
    with django_assert_num_queries(2):
        response = client.get(_status_url(slo), {"at": AT.isoformat()})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("at", "message"),
    [("2026-03-20T12:00:00", "UTC offset"), ("tomorrow", "ISO 8601")],
)
def test_bad_at_is_named(bob, slo, at, message):
    response = api_as(bob).get(_status_url(slo), {"at": at})
    assert response.status_code == 400
    assert message in response.json()["at"][0]


def test_status_of_unknown_slo_is_404(bob):
    assert api_as(bob).get("/api/v1/slos/999999/status/").status_code == 404


def test_user_without_a_role_may_not_read_status(mallory, slo):
    assert api_as(mallory).get(_status_url(slo)).status_code == 403


# --- budget calculator -------------------------------------------------------------------------

CALCULATOR = "/api/v1/budget-calculator/"


def test_three_nines_over_30_days(alice):
    """99.9 % over 30 days allows 43 min 12 s (SRE book availability table: 43.2 minutes)."""
    body = api_as(alice).get(CALCULATOR, {"target": "99.9", "window": "30d"}).json()
    assert body["error_budget"] == "0.001"
    assert body["allowed_downtime_seconds"] == "2592"
    assert body["allowed_downtime"] == "43m 12s"
    assert body["window_seconds"] == 2_592_000


def test_february_2026_has_28_days(alice):
    body = (
        api_as(alice)
        .get(CALCULATOR, {"target": "99.99", "window": "month", "period": "2026-02"})
        .json()
    )
    assert body["window_seconds"] == 28 * 86_400
    assert body["allowed_downtime_seconds"] == "241.92"
    assert body["allowed_downtime"] == "4m 1.92s"


@pytest.mark.parametrize(
    ("params", "seconds"),
    [
        ({"target": "99.95", "window": "365d"}, "15768"),
        ({"target": "99.9", "window": "quarter", "period": "2026-Q3"}, "7948.8"),
        ({"target": "99", "window": "7d"}, "6048"),
        ({"target": "99.5", "window": "28d"}, "12096"),
        ({"target": "99.9"}, "2592"),  # 30 days by default
    ],
)
def test_other_windows(alice, params, seconds):
    body = api_as(alice).get(CALCULATOR, params).json()
    assert body["allowed_downtime_seconds"] == seconds


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "target"),
        ({"target": "abc"}, "target"),
        ({"target": "0"}, "target"),
        ({"target": "100.5"}, "target"),
        ({"target": "99.9", "window": "fortnight"}, "window"),
        ({"target": "99.9", "window": "month", "period": "2026-13"}, "period"),
        ({"target": "99.9", "window": "30d", "period": "2026-02"}, "period"),
    ],
)
def test_bad_calculator_input_names_the_field(alice, params, field):
    response = api_as(alice).get(CALCULATOR, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
