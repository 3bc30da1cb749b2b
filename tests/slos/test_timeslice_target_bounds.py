"""A timeslices SLO's slice target is a percentage in (0, 100], as every target is: refused by
the API naming the field, and held by the database."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.slos.models import SLO
from tests.conftest import api_as


@pytest.mark.parametrize("value", ["150", "-5", "0", "100.0001"])
def test_a_slice_target_outside_0_to_100_is_refused_naming_it(bob, slo, value):
    response = api_as(bob).patch(
        f"/api/v1/slos/{slo.pk}/",
        {"budgeting_method": "timeslices", "timeslice_target": value},
        format="json",
    )

    assert response.status_code == 400
    assert "greater than 0 and at most 100" in response.json()["timeslice_target"][0]
    slo.refresh_from_db()
    assert (slo.budgeting_method, slo.timeslice_target) == ("occurrences", None)


def test_a_slice_target_of_95_is_kept(bob, slo):
    response = api_as(bob).patch(
        f"/api/v1/slos/{slo.pk}/",
        {"budgeting_method": "timeslices", "timeslice_target": "95"},
        format="json",
    )

    assert response.status_code == 200, response.content
    slo.refresh_from_db()
    assert slo.timeslice_target == Decimal("95")


def test_the_database_refuses_an_out_of_range_slice_target(slo):
    with pytest.raises(IntegrityError), transaction.atomic():
        SLO.objects.filter(pk=slo.pk).update(timeslice_target=Decimal("150"))
