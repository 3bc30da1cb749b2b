"""Every route that reads an SLO's measurements works for every budgeting method.

One timeslices SLO once made the commitments list, alignment, the release gate, the contract and
SLO pages, the dashboards and the admin answer 500. The routes are listed once here and crossed
with every BudgetingMethod, so a new method or a new route is covered by adding it to one list.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from apps.contracts.choices import ContractStatus
from apps.reviews.choices import PacketScope, PacketStatus
from apps.reviews.services import review_cycle_open
from apps.slos.choices import BudgetingMethod
from tests.factories import CommitmentFactory, ContractFactory, SLOFactory, UserFactory

from .gate_helpers import record_hours

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)

# 30 clean hours and 10 hours at 95 %: 98.75 % of the events, 75 % of the 99 % slices.
SHOWN_ATTAINMENT = {
    BudgetingMethod.OCCURRENCES: "98.75 %",
    BudgetingMethod.TIMESLICES: "75 %",
}
GATE_ATTAINMENT = {
    BudgetingMethod.OCCURRENCES: "98.75",
    BudgetingMethod.TIMESLICES: "75.00",
}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(params=list(BudgetingMethod), ids=lambda method: method.value)
def method(request):
    return request.param


@pytest.fixture
def world(
    method, availability, payments, alice, acme, schedule, django_capture_on_commit_callbacks
):
    slo = SLOFactory(
        indicator=availability,
        target=Decimal("99.9"),
        budgeting_method=method,
        timeslice_target=Decimal("99") if method == BudgetingMethod.TIMESLICES else None,
    )
    record_hours(availability, NOW - timedelta(hours=40), 30, good=1000, total=1000)
    record_hours(availability, NOW - timedelta(hours=10), 10, good=950, total=1000)
    contract = ContractFactory(
        customer=acme, owner=alice, number="ACME-001", status=ContractStatus.SIGNED
    )
    line = CommitmentFactory(
        contract=contract, indicator=availability, target=Decimal("99.8"), credit_schedule=schedule
    )
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):  # packets generated eagerly
        cycle = review_cycle_open(year=NOW.year, user=root)
    packet = cycle.packets.get(scope=PacketScope.SERVICE, scope_id=payments.pk)
    assert packet.status == PacketStatus.READY, packet.error
    return {
        "slo": slo,
        "line": line,
        "contract": contract,
        "service": payments,
        "root": root,
        "packet": packet,
    }


def _text(response) -> str:
    return " ".join(response.content.decode().split())


# (name, url built from the world, what the body must say; "{attainment}" is the method's).
ROUTES = [
    ("api commitments", lambda w: "/api/v1/commitments/", "attainment {attainment}"),
    ("api commitment", lambda w: f"/api/v1/commitments/{w['line'].pk}/", '"verdict"'),
    (
        "api alignment",
        lambda w: f"/api/v1/commitments/{w['line'].pk}/alignment/",
        "attainment {attainment}",
    ),
    (
        "api release gate",
        lambda w: f"/api/v1/services/{w['service'].slug}/release-gate/",
        '"attainment":"{gate}',
    ),
    ("api slo status", lambda w: f"/api/v1/slos/{w['slo'].pk}/status/", '"attainment":"{gate}'),
    (
        "api alignment preview",
        lambda w: f"/api/v1/alignment/?indicator={w['line'].indicator_id}&target=99.8",
        "attainment {attainment}",
    ),
    ("api slo", lambda w: f"/api/v1/slos/{w['slo'].pk}/", '"budgeting_method":"{method}"'),
    ("contract list", lambda w: "/contracts/", "ACME-001"),
    ("contract page", lambda w: f"/contracts/{w['contract'].pk}/", "attainment {attainment}"),
    (
        "sales alignment preview",
        lambda w: f"/contracts/alignment-preview/?indicator={w['line'].indicator_id}&target=99.8",
        "attainment {attainment}",
    ),
    (
        "sales backtest preview",
        lambda w: f"/contracts/backtest-preview/?indicator={w['line'].indicator_id}&target=99.8",
        "{attainment}",
    ),
    ("slo page", lambda w: f"/slos/{w['slo'].pk}/", "{attainment}"),
    ("portfolio", lambda w: "/dashboards/", 'budget=exhausted">1</a>'),
    ("dashboard commitments", lambda w: "/dashboards/commitments/", "ACME-001"),
    ("dashboard contracts", lambda w: "/dashboards/contracts/", "ACME-001"),
    # No full period has passed with data: nothing is owed yet.
    ("dashboard credits", lambda w: "/dashboards/credits/", "Nothing to list."),
    ("dashboard slos", lambda w: "/dashboards/slos/", "{attainment}"),
    ("dashboard browse", lambda w: "/dashboards/browse/", "Payments API"),
    ("service dashboard", lambda w: f"/dashboards/services/{w['service'].slug}/", "{attainment}"),
    (
        "customer dashboard",
        lambda w: f"/dashboards/customers/{w['contract'].customer_id}/",
        "ACME-001",
    ),
    ("review packet page", lambda w: f"/reviews/packets/{w['packet'].pk}/", "{attainment}"),
    ("review packet csv", lambda w: f"/reviews/packets/{w['packet'].pk}/csv/", ",{gate}"),
    (
        "api review packet",
        lambda w: f"/api/v1/review-packets/{w['packet'].pk}/",
        '"attainment":"{gate}',
    ),
    ("admin commitments", lambda w: "/admin/contracts/commitment/", "ACME-001"),
    (
        "admin commitment",
        lambda w: f"/admin/contracts/commitment/{w['line'].pk}/change/",
        "attainment {attainment}",
    ),
    ("admin contract", lambda w: f"/admin/contracts/contract/{w['contract'].pk}/change/", "ACME"),
    ("admin slos", lambda w: "/admin/slos/slo/", "99.9"),
    ("admin slo", lambda w: f"/admin/slos/slo/{w['slo'].pk}/change/", "{method}"),
]


@pytest.mark.parametrize(("url", "expected"), [r[1:] for r in ROUTES], ids=[r[0] for r in ROUTES])
def test_route_answers_for_every_budgeting_method(client, world, method, url, expected):
    client.force_login(world["root"])

    response = client.get(url(world))

    assert response.status_code == 200, _text(response)[:2000]
    want = expected.format(
        attainment=SHOWN_ATTAINMENT[method], gate=GATE_ATTAINMENT[method], method=method.value
    )
    assert want in _text(response)


def test_an_slo_switched_to_timeslices_through_the_api_keeps_every_list_working(
    client, bob, availability, alice, acme, schedule
):
    slo = SLOFactory(indicator=availability, target=Decimal("99.9"))
    record_hours(availability, NOW - timedelta(hours=40), 30, good=1000, total=1000)
    record_hours(availability, NOW - timedelta(hours=10), 10, good=950, total=1000)
    contract = ContractFactory(customer=acme, owner=alice, number="ACME-001")
    CommitmentFactory(contract=contract, indicator=availability, credit_schedule=schedule)
    client.force_login(bob)

    switched = client.patch(
        f"/api/v1/slos/{slo.pk}/",
        {"budgeting_method": "timeslices", "timeslice_target": "99"},
        content_type="application/json",
    )

    assert switched.status_code == 200, switched.content
    listed = client.get("/api/v1/commitments/")
    assert listed.status_code == 200
    assert "attainment 75 %" in _text(listed)
