"""Editing an SLO in the admin: history records the user, sign-offs that judged it are voided."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.contracts import services
from apps.contracts.choices import Decision
from apps.slos.choices import SloStatus

from .helpers import client_for

pytestmark = pytest.mark.django_db


def slo_form(slo, **changes):
    data = {
        "indicator": slo.indicator_id,
        "name": slo.name,
        "target": slo.target,
        "status": slo.status,
        "description": slo.description,
        "window": slo.window,
        "budgeting_method": slo.budgeting_method,
        "timeslice_target": "",
        "timezone": slo.timezone,
    }
    data.update(changes)
    return data


def test_slo_edit_records_the_user_and_voids_the_signoff_pinned_to_it(bob, slo, in_review_line):
    signoff = services.commitment_signoff(
        commitment=in_review_line, user=bob, decision=Decision.APPROVE
    )
    assert signoff.slo == slo

    url = reverse("admin:slos_slo_change", args=[slo.pk])
    response = client_for(bob).post(url, slo_form(slo, target="99.95"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    slo.refresh_from_db()
    assert (slo.target, slo.version) == (Decimal("99.95"), 2)
    assert slo.history.first().history_user == bob
    signoff.refresh_from_db()
    assert signoff.voided_at is not None
    assert "SLO changed (target)" in signoff.void_reason


def test_bad_slo_input_is_shown_on_the_field_and_changes_nothing(bob, slo):
    url = reverse("admin:slos_slo_change", args=[slo.pk])
    response = client_for(bob).post(url, slo_form(slo, target="100.5", timezone="Mars/Base"))

    errors = response.context["adminform"].form.errors
    assert "target" in errors and "timezone" in errors
    slo.refresh_from_db()
    assert slo.target == Decimal("99.9")
    assert slo.history.count() == 1


def test_engineer_creates_an_slo_only_on_their_teams_indicators(bob, erin, availability):
    data = {
        "indicator": availability.pk,
        "name": "Availability",
        "target": "99.5",
        "status": SloStatus.DRAFT,
        "description": "",
        "window": "30d",
        "budgeting_method": "occurrences",
        "timeslice_target": "",
        "timezone": "UTC",
    }
    refused = client_for(erin).post(reverse("admin:slos_slo_add"), data)
    assert "indicator" in refused.context["adminform"].form.errors
    assert not availability.slos.exists()

    accepted = client_for(bob).post(reverse("admin:slos_slo_add"), data)
    assert accepted.status_code == 302
    assert availability.slos.get().history.get().history_user == bob
