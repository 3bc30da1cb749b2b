"""Every list endpoint has a fixed query budget: the same for 2 rows as for 20."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.catalog.choices import IndicatorKind
from apps.contracts.choices import Decision
from apps.contracts.models import SignOff, Waiver
from apps.core.roles import ENGINEERING
from apps.slos.models import BufferPolicy
from tests.factories import (
    CommitmentFactory,
    ContractFactory,
    CreditScheduleFactory,
    CustomerFactory,
    IndicatorFactory,
    ServiceFactory,
    SLOFactory,
    TeamFactory,
    UserFactory,
)

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _teams(n, **actors):
    members = [UserFactory(), UserFactory()]
    for _ in range(n):
        TeamFactory().members.add(*members)


def _services(n, **actors):
    for index in range(n):
        service = ServiceFactory()
        if index % 2:
            BufferPolicy.objects.create(service=service, min_budget_ratio=Decimal("3"))


def _lines(n, alice, **actors):
    """Lines on n services, each with an active SLO, some with a policy override."""
    schedule = CreditScheduleFactory()
    for index in range(n):
        indicator = IndicatorFactory(kind=IndicatorKind.AVAILABILITY)
        SLOFactory(indicator=indicator, target=Decimal("99.9"))
        if index % 2:
            BufferPolicy.objects.create(service=indicator.service, min_budget_ratio=Decimal("3"))
        contract = ContractFactory(owner=alice)
        CommitmentFactory(
            contract=contract, indicator=indicator, target=Decimal("99.5"), credit_schedule=schedule
        )


def _waivers(n, alice, dave, **actors):
    for _ in range(n):
        line = CommitmentFactory(contract=ContractFactory(owner=alice))
        Waiver.objects.create(
            commitment=line,
            justification="Key account.",
            expires_on=timezone.localdate() + timedelta(days=9),
            granted_by=dave,
        )


BUILDERS = {
    "teams": _teams,
    "services": _services,
    "customers": lambda n, **actors: CustomerFactory.create_batch(n),
    "indicators": lambda n, **actors: IndicatorFactory.create_batch(n),
    "slos": lambda n, **actors: SLOFactory.create_batch(n),
    "credit-schedules": lambda n, **actors: CreditScheduleFactory.create_batch(n),
    "contracts": lambda n, alice, **actors: ContractFactory.create_batch(n, owner=alice),
    "commitments": _lines,
    "waivers": _waivers,
}

# Per list: permissions (2: user and group perms; force_authenticate needs no auth query), the
# role lookup where visibility depends on it, COUNT, rows, prefetches (members, tiers).
# Commitments add the alignment batch: active SLOs, buffer policies and the SLOs' recent
# measurements (AT_RISK, 2) — loaded once for the page, whatever its length — and their
# schedules' tiers and legal's confirmations of schedules that contradict the target (2).
BUDGETS = {
    "teams": 5,
    "services": 4,
    "customers": 4,
    "indicators": 4,
    "slos": 4,
    "credit-schedules": 5,
    "contracts": 5,
    "commitments": 11,
    "waivers": 5,
}


@pytest.mark.parametrize("rows", [2, 20])
@pytest.mark.parametrize("resource", list(BUDGETS))
def test_list_query_count_does_not_grow_with_rows(
    resource, rows, alice, dave, django_assert_num_queries
):
    BUILDERS[resource](rows, alice=alice, dave=dave)
    reader = get_user_model().objects.get(pk=alice.pk if resource != "waivers" else dave.pk)
    client = client_for(reader)

    with django_assert_num_queries(BUDGETS[resource]):
        response = client.get(f"/api/v1/{resource}/")

    assert response.status_code == 200
    assert response.json()["count"] == len(response.json()["results"]) >= rows


@pytest.mark.parametrize("rows", [2, 20])
def test_signoff_list_query_count_does_not_grow_with_rows(rows, alice, django_assert_num_queries):
    line = CommitmentFactory(contract=ContractFactory(owner=alice))
    engineer = UserFactory(roles=[ENGINEERING])
    for index in range(rows):
        SignOff.objects.create(
            commitment=line,
            decision=Decision.APPROVE,
            decided_by=engineer,
            commitment_version=1,
            verdict="ALIGNED",
            voided_at=timezone.now() if index else None,
        )
    client = client_for(get_user_model().objects.get(pk=alice.pk))

    with django_assert_num_queries(5):
        response = client.get(f"/api/v1/commitments/{line.pk}/signoffs/")

    assert len(response.json()) == rows
