"""Changelists cost a fixed number of queries, whatever the number of rows (no N+1).

Each budget is measured as bob, an engineer without superuser rights, so permission lookups are
part of the count. If a change adds a query on purpose, update the budget here and say why.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.contracts.models import SignOff
from tests.factories import (
    CommitmentFactory,
    ContractFactory,
    IndicatorFactory,
    ServiceFactory,
    SLOFactory,
    TeamFactory,
)

from .helpers import client_for

pytestmark = pytest.mark.django_db

# Session, user, the user's own and group permissions, the related-filter choices (teams),
# the count and the rows: the same with 2 rows and with 20. Contracts and their lines also read
# the user's roles (who sees every contract, policies.visible_contracts).
BUDGETS = {
    "contracts_commitment": 8,
    "contracts_contract": 7,
    "slos_slo": 7,
    "catalog_indicator": 8,
    "catalog_service": 8,
}


def add_rows(count: int, owner) -> None:
    """``count`` SLA lines, each on its own contract, service, team, indicator and SLO."""
    for _ in range(count):
        team = TeamFactory()
        indicator = IndicatorFactory(service=ServiceFactory(team=team))
        slo = SLOFactory(indicator=indicator)
        line = CommitmentFactory(
            contract=ContractFactory(owner=owner), indicator=indicator, target=Decimal("99.5")
        )
        SignOff.objects.create(
            commitment=line,
            decision="approve",
            decided_by=owner,
            commitment_version=1,
            slo=slo,
            slo_version=1,
            verdict="ALIGNED",
        )


@pytest.mark.parametrize("model", sorted(BUDGETS))
def test_changelist_query_count_does_not_grow_with_rows(
    bob, alice, model, django_assert_num_queries
):
    client = client_for(bob)
    url = reverse(f"admin:{model}_changelist")

    add_rows(2, alice)
    with django_assert_num_queries(BUDGETS[model]):
        assert client.get(url).status_code == 200

    add_rows(18, alice)
    with django_assert_num_queries(BUDGETS[model]):
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 20
