"""Who reaches the admin, and that engineering can work in it without being superuser."""

import pytest
from django.urls import reverse

from .helpers import client_for

pytestmark = pytest.mark.django_db

ENGINEERING_PAGES = [
    "admin:index",
    "admin:catalog_team_changelist",
    "admin:catalog_service_changelist",
    "admin:catalog_indicator_changelist",
    "admin:slos_slo_changelist",
    "admin:slos_bufferpolicy_changelist",
    "admin:contracts_commitment_changelist",
    "admin:contracts_contract_changelist",
    "admin:contracts_signoff_changelist",
    "admin:contracts_waiver_changelist",
    "admin:contracts_creditschedule_changelist",
    "admin:slos_slo_add",
    "admin:catalog_indicator_add",
]


def test_sales_who_is_not_staff_cannot_reach_the_admin(alice):
    response = client_for(alice).get(reverse("admin:contracts_commitment_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("page", ENGINEERING_PAGES)
def test_engineering_staff_can_open_every_page_it_needs(bob, aligned_line, page):
    assert client_for(bob).get(reverse(page)).status_code == 200


def test_engineering_cannot_change_another_teams_slo(erin, slo):
    client = client_for(erin)
    page = client.get(reverse("admin:slos_slo_change", args=[slo.pk]))

    assert page.status_code == 200  # view only
    assert 'name="target"' not in page.content.decode()
    response = client.post(reverse("admin:slos_slo_change", args=[slo.pk]), {"target": "90"})
    assert response.status_code == 403
    slo.refresh_from_db()
    assert str(slo.target) == "99.9000"


def test_engineering_may_not_grant_waivers(bob):
    assert client_for(bob).get(reverse("admin:contracts_waiver_add")).status_code == 403
