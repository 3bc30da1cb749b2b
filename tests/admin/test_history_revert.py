"""The admin's history pages: a past version is reverted only by someone who may change the row.

django-simple-history's form saves a past version for anyone who may view the row; Covenant's
GovernedAdmin refuses the POST (403, nothing written) unless the user has change permission on
that very row (team ownership included), and shows the version read-only instead.
"""

from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from apps.catalog.models import Customer, Service, Team
from apps.contracts.models import Contract, CreditSchedule
from apps.core.admin import GovernedAdmin
from apps.reviews.choices import CycleStatus
from apps.reviews.models import ReviewCycle
from tests.factories import ContractFactory, CreditScheduleFactory, UserFactory

from .helpers import client_for

pytestmark = pytest.mark.django_db


def _history_form(obj, record=None):
    record = record or obj.history.earliest()
    opts = obj._meta
    return reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[obj.pk, record.history_id],
    )


def _history_list(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])


def test_engineer_of_another_team_cannot_join_a_team_through_its_history(erin, bob, payments):
    team = payments.team
    versions = team.history.count()
    response = client_for(erin).post(_history_form(team), {"name": team.name, "members": [erin.pk]})

    assert response.status_code == 403
    assert set(Team.objects.get(pk=team.pk).members.all()) == {bob}
    assert team.history.count() == versions


def test_leadership_cannot_rewrite_a_teams_members(dave, bob, payments):
    team = payments.team
    response = client_for(dave).post(_history_form(team), {"name": team.name, "members": [dave.pk]})

    assert response.status_code == 403
    assert set(Team.objects.get(pk=team.pk).members.all()) == {bob}


def test_engineer_cannot_move_another_teams_service_to_his_team(erin, bob, payments, search_team):
    versions = payments.history.count()
    data = {"name": payments.name, "slug": payments.slug, "team": search_team.pk}
    response = client_for(erin).post(_history_form(payments), data)

    assert response.status_code == 403
    assert Service.objects.get(pk=payments.pk).team.name == "Payments"
    assert payments.history.count() == versions


def test_engineer_cannot_rename_a_customer_through_its_history(erin, acme):
    response = client_for(erin).post(_history_form(acme), {"name": "Pwned Corp"})

    assert response.status_code == 403
    assert Customer.objects.get(pk=acme.pk).name == "Acme Corp"


def test_engineer_cannot_raise_a_credit_schedules_cap(erin):
    schedule = CreditScheduleFactory(name="Capped")
    data = {
        "name": "Capped",
        "cap_percent": "100",
        # The tier inline's management form, should the page post it.
        "tiers-TOTAL_FORMS": "0",
        "tiers-INITIAL_FORMS": "0",
    }
    response = client_for(erin).post(_history_form(schedule), data)

    assert response.status_code == 403
    assert CreditSchedule.objects.get(pk=schedule.pk).cap_percent is None


def test_a_completed_review_cycle_cannot_be_reset_from_its_history(dave, erin):
    cycle = ReviewCycle.objects.create(
        year=2025, period_start=date(2025, 1, 1), period_end=date(2025, 12, 31)
    )
    first = cycle.history.earliest()
    cycle.status = CycleStatus.COMPLETE
    cycle.save()
    versions = cycle.history.count()

    for user in (dave, erin):
        response = client_for(user).post(_history_form(cycle, first), {})
        assert response.status_code == 403
    assert ReviewCycle.objects.get(pk=cycle.pk).status == CycleStatus.COMPLETE
    assert cycle.history.count() == versions


def test_a_past_version_shows_read_only_to_who_may_not_revert_it(erin, payments):
    page = client_for(erin).get(_history_form(payments))

    assert page.status_code == 200
    html = page.content.decode()
    assert payments.name in html
    assert 'name="name"' not in html  # text, not an input
    assert 'name="_save"' not in html  # no revert button


def test_the_owning_team_still_reverts_its_own_service(bob, payments):
    first = payments.history.earliest()
    payments.name = "Payments API v2"
    payments.save()
    data = {"name": "Payments API", "slug": payments.slug, "team": payments.team_id}

    response = client_for(bob).post(_history_form(payments, first), data)

    assert response.status_code == 302
    assert Service.objects.get(pk=payments.pk).name == "Payments API"
    latest = payments.history.latest()
    assert (latest.history_user, latest.name) == (bob, "Payments API")


def test_staff_sales_sees_no_history_of_another_owners_contract(acme):
    owner = UserFactory(username="olga", roles=["Sales"])
    other = ContractFactory(customer=acme, owner=owner, number="ACME-OLGA")
    snoop = UserFactory(username="sam", is_staff=True, roles=["Sales"])
    client = client_for(snoop)

    changelist = client.get(reverse("admin:contracts_contract_changelist"))
    assert changelist.status_code == 200
    assert "ACME-OLGA" not in changelist.content.decode()
    assert client.get(_history_list(other)).status_code == 404
    assert client.get(_history_form(other)).status_code == 404
    assert Contract.objects.filter(pk=other.pk).exists()
    assert client_for(owner).get(_history_list(other)).status_code == 302  # not staff: login


def test_history_of_a_visible_row_lists_its_versions(carol, acme):
    acme.name = "Acme Corporation"
    acme.save()
    page = client_for(carol).get(_history_list(acme))

    assert page.status_code == 200
    assert len(page.context["page_obj"].object_list) == 2


def test_every_admin_showing_history_applies_the_revert_rule():
    bare = [
        type(model_admin).__name__
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, SimpleHistoryAdmin)
        and not isinstance(model_admin, GovernedAdmin)
    ]
    assert bare == []
