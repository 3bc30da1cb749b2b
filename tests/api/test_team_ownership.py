"""Engineers change only what their own team owns, through the API as in the admin."""

from decimal import Decimal

import pytest

from apps.catalog.models import Indicator, Service
from apps.slos.models import SLO

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_an_engineer_of_another_team_cannot_change_an_slo(erin, slo):
    response = client_for(erin).patch(f"/api/v1/slos/{slo.pk}/", {"target": "99.0"})
    assert response.status_code == 403
    assert "team that owns the service" in response.json()["detail"]
    assert SLO.objects.get(pk=slo.pk).target == Decimal("99.9")


def test_the_owning_team_changes_its_slo(bob, slo):
    response = client_for(bob).patch(f"/api/v1/slos/{slo.pk}/", {"target": "99.95"})
    assert response.status_code == 200
    assert slo.history.first().history_user == bob


def test_an_engineer_cannot_create_an_slo_on_another_teams_indicator(erin, availability):
    response = client_for(erin).post(
        "/api/v1/slos/", {"indicator": availability.pk, "target": "99", "status": "draft"}
    )
    assert response.status_code == 403
    assert not SLO.objects.filter(indicator=availability).exists()


def test_an_engineer_cannot_move_a_service_to_their_own_team(erin, payments, search_team):
    response = client_for(erin).patch(f"/api/v1/services/{payments.pk}/", {"team": search_team.pk})
    assert response.status_code == 403
    assert Service.objects.get(pk=payments.pk).team.name == "Payments"


def test_an_engineer_cannot_give_their_service_away(bob, payments, search_team):
    response = client_for(bob).patch(f"/api/v1/services/{payments.pk}/", {"team": search_team.pk})
    assert response.status_code == 403


def test_an_engineer_cannot_rename_another_teams_indicator(erin, availability):
    response = client_for(erin).patch(f"/api/v1/indicators/{availability.pk}/", {"name": "X"})
    assert response.status_code == 403
    assert Indicator.objects.get(pk=availability.pk).name == "Availability"
