"""A credit schedule in use past drafting keeps its tiers and cap: credits once promised stay."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.contracts import services
from apps.contracts.models import SCHEDULE_LOCKED, CreditTier
from tests.conftest import api_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(alice, aligned_line):
    services.contract_submit(contract=aligned_line.contract, user=alice)
    return aligned_line.credit_schedule


def test_a_draft_only_schedule_can_change(schedule, aligned_line):
    assert not schedule.is_locked
    tier = schedule.tiers.first()
    tier.credit_percent = Decimal("15")
    tier.full_clean()


def test_tiers_of_a_schedule_under_review_cannot_change(submitted):
    assert submitted.is_locked
    tier = submitted.tiers.first()
    tier.credit_percent = Decimal("5")
    with pytest.raises(ValidationError, match="cannot change"):
        tier.full_clean()
    submitted.cap_percent = Decimal("50")
    with pytest.raises(ValidationError) as error:
        submitted.full_clean()
    assert error.value.message_dict == {"cap_percent": [SCHEDULE_LOCKED]}


def test_the_api_refuses_new_tiers_and_changes_nothing(carol, submitted):
    before = list(CreditTier.objects.filter(schedule=submitted).values_list("credit_percent"))
    response = api_as(carol).patch(
        f"/api/v1/credit-schedules/{submitted.pk}/",
        {"tiers": [{"lower": "99", "upper": None, "credit_percent": "1"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"tiers": [SCHEDULE_LOCKED]}
    after = list(CreditTier.objects.filter(schedule=submitted).values_list("credit_percent"))
    assert after == before


def test_the_api_refuses_a_rename_of_a_locked_schedule(carol, submitted):
    name = submitted.name
    response = api_as(carol).patch(
        f"/api/v1/credit-schedules/{submitted.pk}/", {"name": "Standard (2026)"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"name": [SCHEDULE_LOCKED]}
    submitted.refresh_from_db()
    assert submitted.name == name


def test_legal_renames_a_schedule_only_lines_in_drafting_use(carol, schedule, aligned_line):
    response = api_as(carol).patch(
        f"/api/v1/credit-schedules/{schedule.pk}/", {"name": "Standard (2026)"}, format="json"
    )
    assert response.status_code == 200, response.json()
    schedule.refresh_from_db()
    assert schedule.name == "Standard (2026)"


def test_sales_cannot_rename_a_schedule(alice, schedule):
    response = api_as(alice).patch(
        f"/api/v1/credit-schedules/{schedule.pk}/", {"name": "Mine"}, format="json"
    )
    assert response.status_code == 403


def test_the_admin_shows_locked_tiers_read_only(client, submitted, carol):
    carol.is_staff = True
    carol.save()
    client.force_login(carol)
    page = client.get(reverse("admin:contracts_creditschedule_change", args=[submitted.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "99.0000" in html  # the tiers are shown…
    assert 'name="tiers-0-credit_percent"' not in html  # …but offer no field to change them
