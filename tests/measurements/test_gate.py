"""The release gate: closed by an exhausted error budget, reopened by a recorded exception."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from apps.measurements.gate import release_gate, release_gate_exception_record
from apps.measurements.models import ReleaseGateException
from tests.conftest import api_as

from .gate_helpers import record_hours

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)
OUTAGE = datetime(2026, 11, 15, 2, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def spent_budget(slo, availability):
    """50 clean hours, then one hour with 100 bad events of 1000: 196 % of the budget spent."""
    record_hours(availability, OUTAGE - timedelta(hours=50), 50, good=1000, total=1000)
    record_hours(availability, OUTAGE, 1, good=900, total=1000)
    return slo


def test_the_gate_is_open_while_budget_is_left(slo, availability):
    record_hours(availability, OUTAGE, 10, good=99995, total=100000)

    decision = release_gate(availability.service)

    assert decision.allowed is True
    assert decision.since is None
    assert decision.reasons == ["Availability: 95 % of the error budget left."]


def test_an_exhausted_budget_closes_the_gate_with_figures_and_since(spent_budget, payments):
    decision = release_gate(payments)

    assert decision.allowed is False
    # 51 000 events allow 51 bad ones: the outage hour's 100 overspent the window.
    assert decision.since == OUTAGE
    assert decision.reasons == [
        "Availability (SLO 99.9 %, rolling 30 days): error budget exhausted since about "
        "2026-11-15 02:00 UTC — attainment 99.8 %, 196 % of the budget spent."
    ]


def test_a_service_without_active_slos_is_not_gated(payments):
    decision = release_gate(payments)
    assert decision.allowed is True
    assert "No active SLO" in decision.reasons[0]


def test_an_exception_reopens_the_gate_until_it_expires(spent_budget, payments, bob):
    exception = release_gate_exception_record(
        service=payments,
        user=bob,
        kind=ReleaseGateException.Kind.P0,
        reason="Hotfix for the card-capture outage",
        expires_at=NOW + timedelta(hours=6),
    )

    decision = release_gate(payments)
    assert decision.allowed is True
    assert decision.exception == exception
    assert decision.reasons[0] == (
        "Open by exception (P0 incident fix) recorded by bob on 2026-11-15 12:00 UTC until "
        "2026-11-15 18:00 UTC: Hotfix for the card-capture outage"
    )
    assert decision.since == OUTAGE
    recorded = exception.history.get()
    assert (recorded.history_user, recorded.created_by) == (bob, bob)
    assert "card-capture" in recorded.history_change_reason

    assert release_gate(payments, at=NOW + timedelta(hours=7)).allowed is False


def test_the_owning_team_records_exceptions_and_others_may_not(payments, alice, bob, erin):
    def record(user):
        return release_gate_exception_record(
            service=payments,
            user=user,
            kind="security",
            reason="CVE fix",
            expires_at=NOW + timedelta(hours=1),
        )

    with pytest.raises(PermissionDenied, match="may not open the release gate"):
        record(alice)  # sales
    with pytest.raises(PermissionDenied, match="team that owns the service"):
        record(erin)  # engineering, Search team
    assert not ReleaseGateException.objects.exists()
    assert record(bob).created_by == bob  # engineering, Payments team


@pytest.mark.parametrize(
    ("reason", "expires_at", "field"),
    [
        ("  ", NOW + timedelta(hours=1), "reason"),
        ("CVE fix", NOW - timedelta(minutes=1), "expires_at"),
        ("CVE fix", NOW + timedelta(days=15), "expires_at"),
    ],
)
def test_a_bad_exception_names_the_field_and_records_nothing(
    payments, bob, reason, expires_at, field
):
    with pytest.raises(ValidationError) as error:
        release_gate_exception_record(
            service=payments, user=bob, kind="security", reason=reason, expires_at=expires_at
        )
    assert field in error.value.message_dict
    assert not ReleaseGateException.objects.exists()


def test_the_gate_takes_four_queries_when_closed(django_assert_num_queries, spent_budget, payments):
    with django_assert_num_queries(4):
        release_gate(payments)


def test_machines_ask_the_gate_over_the_api(spent_budget, payments, mallory):
    response = api_as(mallory).get("/api/v1/services/payments-api/release-gate/")

    assert response.status_code == 200
    body = response.json()
    assert body["allowed"] is False
    assert body["since"] == "2026-11-15T02:00:00+00:00"
    assert body["reasons"][0].startswith("Availability (SLO 99.9 %")
    assert body["exhausted"][0]["budget_remaining"] == "-0.9608"


def test_the_api_shows_the_exception_that_opened_the_gate(spent_budget, payments, bob, mallory):
    release_gate_exception_record(
        service=payments,
        user=bob,
        kind="security",
        reason="CVE-2026-1234",
        expires_at=NOW + timedelta(days=1),
    )
    body = api_as(mallory).get("/api/v1/services/payments-api/release-gate/").json()
    assert body["allowed"] is True
    assert body["exception"]["created_by"] == "bob"
    assert body["exception"]["kind"] == "security"


def test_the_gate_needs_a_login_and_a_known_service(api, mallory, payments):
    assert api.get("/api/v1/services/payments-api/release-gate/").status_code in (401, 403)
    assert api_as(mallory).get("/api/v1/services/nope/release-gate/").status_code == 404
