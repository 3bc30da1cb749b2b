"""The SLO and buffer-policy admins save through apps/slos/services.py: history says why."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.slos.models import SLO, BufferPolicy
from tests.factories import UserFactory

from .helpers import client_for
from .test_slo_admin import slo_form

pytestmark = pytest.mark.django_db


def test_an_slo_changed_in_the_admin_is_recorded_with_the_admin_as_reason(bob, slo):
    url = reverse("admin:slos_slo_change", args=[slo.pk])
    response = client_for(bob).post(url, slo_form(slo, target="99.95"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    record = slo.history.first()
    assert (record.target, record.history_user, record.history_change_reason) == (
        Decimal("99.95"),
        bob,
        "Changed in the admin.",
    )


def test_an_slo_added_in_the_admin_is_recorded_with_the_admin_as_reason(bob, latency):
    url = reverse("admin:slos_slo_add")
    data = {
        "indicator": latency.pk,
        "name": "Fast checkout",
        "target": "99",
        "status": "active",
        "description": "",
        "window": "30d",
        "budgeting_method": "occurrences",
        "timeslice_target": "",
        "timezone": "UTC",
    }
    response = client_for(bob).post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    slo = SLO.objects.get(indicator=latency)
    assert response["Location"] == reverse("admin:slos_slo_changelist")
    record = slo.history.get()
    assert (record.history_user, record.history_change_reason) == (bob, "Created in the admin.")


def test_a_buffer_policy_changed_in_the_admin_is_recorded_with_the_admin_as_reason(db):
    policy = BufferPolicy.objects.create()
    root = UserFactory(username="root", is_superuser=True, is_staff=True)

    url = reverse("admin:slos_bufferpolicy_change", args=[policy.pk])
    response = client_for(root).post(
        url, {"service": "", "min_budget_ratio": "3", "min_margin": "0.05"}
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    policy.refresh_from_db()
    assert policy.min_budget_ratio == Decimal("3")
    record = policy.history.first()
    assert (record.history_user, record.history_change_reason) == (root, "Changed in the admin.")


def test_reverting_an_slo_in_the_admin_goes_through_the_service(bob, slo):
    first = slo.history.earliest()
    bob_client = client_for(bob)
    bob_client.post(reverse("admin:slos_slo_change", args=[slo.pk]), slo_form(slo, target="99.95"))
    url = reverse("admin:slos_slo_simple_history", args=[slo.pk, first.history_id])

    response = bob_client.post(url, slo_form(slo, target="99.9"))

    assert response.status_code == 302, response.context["adminform"].form.errors
    slo.refresh_from_db()
    # Back to the old target, but as a new version: the sign-offs of 99.95 % judged another.
    assert (slo.target, slo.version) == (Decimal("99.9"), 3)
    latest = slo.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        bob,
        "Reverted to an earlier version in the admin.",
    )
