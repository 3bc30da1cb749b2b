"""Every dashboard page runs a fixed number of queries whatever the number of contracts:
3 and 30 contracts (with their lines, sign-offs, drift events and samples) cost the same."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.catalog.choices import IndicatorKind
from apps.contracts.choices import ContractStatus
from apps.drift.models import DriftEvent
from apps.measurements.models import SLISample
from tests.factories import (
    CommitmentFactory,
    ContractFactory,
    CustomerFactory,
    IndicatorFactory,
    SLOFactory,
    UserFactory,
)
from tests.web.helpers import client_as

pytestmark = pytest.mark.django_db

STATUSES = [ContractStatus.SIGNED, ContractStatus.IN_REVIEW, ContractStatus.DRAFT]
# Pinned. Each page pays session, user, roles and the navigation's two permission reads; the
# portfolio then runs 15: SLOs, AT_RISK (2), exposure, verdicts, credits (3), approvals,
# drifted, renewals, review cycle, and the teams and customers of the filters.
BUDGETS = {
    "/dashboards/": 19,
    "/dashboards/commitments/?verdict=ALIGNED": 9,
    "/dashboards/commitments/?waiting=1": 9,
    "/dashboards/contracts/?exposure=1": 12,
    "/dashboards/contracts/?renewal=12m": 9,
    "/dashboards/credits/": 10,
    "/dashboards/slos/?budget=exhausted": 10,
    "/dashboards/services/payments-api/": 13,
    "/dashboards/customers/{customer}/": 12,
}


def grow(world, *, start: int, count: int) -> None:
    """``count`` more contracts in every state, half of them Acme's, some lines drifted."""
    owner = UserFactory()
    pay = world.lines["L1"].indicator
    schedule = world.lines["L1"].credit_schedule
    for index in range(start, start + count):
        contract = ContractFactory(
            number=f"GROW-{index}",
            customer=world.customers["acme"] if index % 2 else CustomerFactory(),
            owner=owner,
            status=STATUSES[index % 3],
            start_date=date(2025, 1, 1),
            renewal_date=date(2026, 6, 1) + timedelta(days=index),
            submitted_at=datetime(2026, 4, 1, tzinfo=UTC) + timedelta(hours=index),
            monthly_fee=Decimal(100 + index),
        )
        for target in ("99.8", "99.95"):
            line = CommitmentFactory(
                contract=contract,
                indicator=pay,
                target=Decimal(target),
                credit_schedule=schedule,
                period="quarter" if index % 4 == 0 else "month",
                verdict="ALIGNED" if target == "99.8" else "MISMATCH",
            )
            if index % 5 == 0:
                DriftEvent.objects.create(
                    commitment=line, kind="slo_loosened", event_key="v9", summary="Loosened."
                )


def count_queries(user, url) -> int:
    browser = client_as(user)
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("page", list(BUDGETS))
def test_pages_cost_the_same_queries_for_3_and_30_more_contracts(world, dave, page):
    url = page.format(customer=world.customers["acme"].pk)
    grow(world, start=0, count=3)
    small = count_queries(dave, url)
    grow(world, start=3, count=27)
    large = count_queries(dave, url)
    assert small == large
    assert large == BUDGETS[page]


def test_drilldown_charts_cost_the_same_for_more_months_and_more_indicators(world, dave):
    """Each chart comes from the counts already read: twelve months cost what four do, and a
    further indicator (its SLO, SLA lines, samples, three more charts) costs nothing more."""
    url = "/dashboards/services/payments-api/"
    budget = BUDGETS[url]
    assert count_queries(dave, f"{url}?year=2025") == budget  # a past year: twelve months
    assert count_queries(dave, url) == budget  # this year: four months so far
    service = world.lines["L1"].indicator.service
    errors = IndicatorFactory(service=service, name="Errors", kind=IndicatorKind.AVAILABILITY)
    SLOFactory(indicator=errors, target=Decimal("99.5"))
    for index in range(3):
        CommitmentFactory(
            contract=world.lines["L1"].contract,
            indicator=errors,
            target=Decimal("99.0") + Decimal("0.25") * index,
            credit_schedule=world.lines["L1"].credit_schedule,
        )
    SLISample.objects.create(
        indicator=errors,
        start=datetime(2026, 2, 1, tzinfo=UTC),
        end=datetime(2026, 2, 1, 1, tzinfo=UTC),
        good=990,
        total=1000,
    )
    response = client_as(dave).get(url)
    assert f"chart-budget-{errors.pk}" in response.text
    assert count_queries(dave, url) == budget
