"""Support metrics per priority: what counts, the filters, the API, and its query budget.

Clocks are written as rows here (the metrics read stored clocks, whatever computed them).
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from apps.catalog.choices import IndicatorKind
from apps.core.roles import LEADERSHIP, SUPPORT
from apps.support.metrics import MetricsFilter, support_metrics
from apps.support.models import Ticket, TicketClock
from tests.factories import (
    CommitmentFactory,
    ContractFactory,
    CustomerFactory,
    IndicatorFactory,
    ServiceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
def desk():
    service = ServiceFactory(slug="support-desk")
    response = IndicatorFactory(
        service=service, name="P1 response", kind=IndicatorKind.SUPPORT_RESPONSE
    )
    resolution = IndicatorFactory(
        service=service, name="P1 resolution", kind=IndicatorKind.SUPPORT_RESOLUTION
    )
    return service, response, resolution


def ticket(service, n, *, priority="P1", customer=None, contract=None, solved_after=None, day=0):
    return Ticket.objects.create(
        source="api",
        external_id=str(n),
        service=service,
        customer=customer,
        contract=contract,
        priority=priority,
        status="solved" if solved_after else "open",
        created_at=T0 + timedelta(days=day),
        full_resolution_seconds=solved_after,
    )


def clock(ticket_, indicator, *, metric, target=900, elapsed=600, state="met", stopped=True):
    breached = state == "breached"
    return TicketClock.objects.create(
        ticket=ticket_,
        indicator=indicator,
        metric=metric,
        priority=ticket_.priority,
        state=state,
        started_at=ticket_.created_at,
        due_at=ticket_.created_at + timedelta(seconds=target),
        stopped_at=ticket_.created_at + timedelta(seconds=elapsed) if stopped else None,
        business_elapsed_seconds=elapsed,
        target_seconds=target,
        breached=breached,
        computed_at=ticket_.created_at,
    )


def test_percent_within_counts_decided_clocks_only(desk):
    service, response, resolution = desk
    a, b, c, d = (ticket(service, n, solved_after=7200 * (n + 1)) for n in range(4))
    clock(a, response, metric="response", elapsed=300)
    clock(b, response, metric="response", elapsed=600)
    clock(c, response, metric="response", elapsed=1800, state="breached")
    # Running past its due: breached although not stopped; running in time: not decided yet.
    clock(d, response, metric="response", elapsed=1000, state="breached", stopped=False)
    clock(d, resolution, metric="resolution", state="running", stopped=False, target=14400)
    clock(a, resolution, metric="resolution", elapsed=7200, target=14400)
    clock(b, resolution, metric="resolution", state="cancelled", stopped=False, target=14400)

    p1 = support_metrics(MetricsFilter())["P1"]

    assert p1["tickets"] == 4
    assert p1["responded_within_pct"] == 50.0  # 2 met of 4 decided
    assert p1["resolved_within_pct"] == 100.0  # the running and the cancelled clocks wait
    assert p1["avg_response_seconds"] == 900  # (300 + 600 + 1800) / 3 stopped
    assert p1["committed_response_seconds"] == 900
    assert p1["mttr_seconds"] == (7200 + 14400 + 21600 + 28800) // 4
    assert (p1["escalations"], p1["breaches_by_cause"]) == (0, {})


def test_every_priority_is_answered_even_without_tickets(desk):
    figures = support_metrics(MetricsFilter())
    assert list(figures) == ["P1", "P2", "P3", "P4"]
    assert figures["P4"]["tickets"] == 0 and figures["P4"]["responded_within_pct"] is None


def test_filters_by_customer_period_and_contract_lines(desk):
    service, response, _ = desk
    acme, globex = CustomerFactory(name="Acme"), CustomerFactory(name="Globex")
    contract = ContractFactory(customer=acme)
    CommitmentFactory(contract=contract, indicator=response)
    internal = IndicatorFactory(
        service=service, name="P1 internal response", kind=IndicatorKind.SUPPORT_RESPONSE
    )
    mine = ticket(service, 1, customer=acme, contract=contract)
    clock(mine, response, metric="response", elapsed=1200, target=1800)
    clock(mine, internal, metric="response", elapsed=1200, target=900, state="breached")
    theirs = ticket(service, 2, customer=globex, day=40)
    clock(theirs, response, metric="response", elapsed=100)

    by_contract = support_metrics(MetricsFilter(contract=contract.pk))["P1"]
    assert by_contract["tickets"] == 1
    # Only the line's indicator counts: the internal 15-minute target is not the contract's.
    assert (by_contract["responded_within_pct"], by_contract["committed_response_seconds"]) == (
        100.0,
        1800,
    )
    assert support_metrics(MetricsFilter(customer=globex.pk))["P1"]["tickets"] == 1
    march = MetricsFilter(start=T0.date(), end=T0.date() + timedelta(days=30))
    assert support_metrics(march)["P1"]["tickets"] == 1
    assert support_metrics(MetricsFilter(service=service.pk))["P1"]["tickets"] == 2


def as_user(*roles):
    user = UserFactory(roles=list(roles))
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_answers_by_priority_in_a_fixed_number_of_queries(desk, django_assert_max_num_queries):
    service, response, _ = desk
    for n in range(5):
        clock(ticket(service, n, priority=f"P{n % 4 + 1}"), response, metric="response")
    client = as_user(SUPPORT)
    # The user's roles, tickets, clocks, escalations, breach causes.
    with django_assert_max_num_queries(6):
        answer = client.get("/api/v1/support-metrics/", {"service": service.pk})
    assert answer.status_code == 200
    assert answer.json()["by_priority"]["P1"]["tickets"] == 2
    assert answer.json()["by_priority"]["P1"]["responded_within_pct"] == 100.0


def test_api_is_for_support_and_leadership(desk):
    assert Group.objects.filter(name=SUPPORT).exists()
    assert as_user(LEADERSHIP).get("/api/v1/support-metrics/").status_code == 200
    refused = as_user().get("/api/v1/support-metrics/")
    assert refused.status_code == 403
    assert "Support and Leadership" in refused.json()["detail"]


def test_api_bad_period_names_the_field(desk):
    answer = as_user(SUPPORT).get(
        "/api/v1/support-metrics/", {"start": "2026-03-10", "end": "2026-03-01"}
    )
    assert answer.status_code == 400 and "end" in answer.json()
    assert as_user(SUPPORT).get("/api/v1/support-metrics/", {"start": "March"}).status_code == 400
