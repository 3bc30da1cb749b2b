"""GET <resource>/{id}/history/: who changed what, when and why, newest first, in one query."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from apps.slos.models import SLO

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_history_entries_have_the_documented_shape_newest_first(bob, slo):
    engineer = client_for(bob)
    engineer.patch(f"/api/v1/slos/{slo.pk}/", {"target": "99.95"})
    engineer.patch(f"/api/v1/slos/{slo.pk}/", {"status": "retired"})

    entries = engineer.get(f"/api/v1/slos/{slo.pk}/history/").json()

    assert [e["change_type"] for e in entries] == ["changed", "changed", "created"]
    newest, middle, created = entries
    assert set(newest) == {
        "changed_at",
        "user",
        "user_id",
        "change_type",
        "changes",
        "reason",
        "object",
    }
    assert newest["changes"]["status"] == ["active", "retired"]
    assert (newest["user"], newest["user_id"]) == ("bob", bob.pk)
    assert [Decimal(v) for v in middle["changes"]["target"]] == [Decimal("99.9"), Decimal("99.95")]
    assert created["user"] is None  # made by a factory, outside any request
    changed_at = datetime.fromisoformat(newest["changed_at"])
    assert changed_at.utcoffset() is not None
    assert changed_at >= datetime.fromisoformat(middle["changed_at"])


@pytest.mark.parametrize(
    "resource",
    [
        "teams",
        "services",
        "customers",
        "indicators",
        "slos",
        "credit-schedules",
        "contracts",
        "commitments",
        "waivers",
    ],
)
def test_every_governed_resource_has_a_history(
    resource, dave, aligned_line, django_assert_max_num_queries
):
    from apps.contracts.models import Waiver

    waiver = Waiver.objects.create(
        commitment=aligned_line, justification="Why not", expires_on="2099-01-01", granted_by=dave
    )
    line = aligned_line
    objects = {
        "teams": line.indicator.service.team,
        "services": line.indicator.service,
        "customers": line.contract.customer,
        "indicators": line.indicator,
        "slos": SLO.objects.get(),
        "credit-schedules": line.credit_schedule,
        "contracts": line.contract,
        "commitments": line,
        "waivers": waiver,
    }
    client = client_for(get_user_model().objects.get(pk=dave.pk))

    # Auth, permissions, the object, its history (and, for schedules, their tiers').
    with django_assert_max_num_queries(7):
        response = client.get(f"/api/v1/{resource}/{objects[resource].pk}/history/")

    assert response.status_code == 200
    assert response.json()[-1]["change_type"] == "created"
