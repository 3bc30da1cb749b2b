"""The API writes SLOs and the global buffer policy through apps/slos/services.py.

History says who and why, the team rule still refuses other teams' SLOs, and the responses keep
every field they had.
"""

from decimal import Decimal

import pytest

from apps.slos.models import SLO
from apps.slos.selectors import global_policy
from tests.factories import UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db

SLO_RESPONSE_FIELDS = {
    "id",
    "indicator",
    "name",
    "target",
    "window",
    "budgeting_method",
    "timeslice_target",
    "timezone",
    "status",
    "description",
    "version",
}


def test_creating_an_slo_records_the_engineer_and_the_api_as_the_reason(bob, latency):
    response = client_for(bob).post(
        "/api/v1/slos/", {"indicator": latency.pk, "target": "99", "status": "active"}
    )

    assert response.status_code == 201, response.json()
    assert set(response.json()) == SLO_RESPONSE_FIELDS
    record = SLO.objects.get(pk=response.json()["id"]).history.get()
    assert (record.history_user, record.history_change_reason) == (
        bob,
        "Created through the API.",
    )


def test_changing_an_slo_records_the_reason_and_answers_the_new_version(bob, slo):
    response = client_for(bob).patch(f"/api/v1/slos/{slo.pk}/", {"target": "99.95"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == SLO_RESPONSE_FIELDS
    assert (body["target"], body["version"]) == ("99.9500", 2)
    record = slo.history.first()
    assert (record.history_user, record.history_change_reason) == (
        bob,
        "Changed through the API.",
    )


def test_another_teams_slo_is_still_refused_and_left_alone(erin, slo):
    response = client_for(erin).patch(f"/api/v1/slos/{slo.pk}/", {"target": "99.95"})

    assert response.status_code == 403
    slo.refresh_from_db()
    assert (slo.target, slo.version, slo.history.count()) == (Decimal("99.9"), 1, 1)


def test_an_administrator_changing_the_global_policy_is_recorded_with_the_reason(db):
    policy = global_policy()
    root = UserFactory(username="root", is_superuser=True, is_staff=True)

    response = client_for(root).patch("/api/v1/buffer-policy/", {"min_margin": "0.05"})

    assert response.status_code == 200, response.json()
    assert response.json() == {"min_budget_ratio": "2.00", "min_margin": "0.0500"}
    record = policy.history.first()
    assert (record.history_user, record.history_change_reason) == (
        root,
        "Changed through the API.",
    )
