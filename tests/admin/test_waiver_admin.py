"""Leadership grants waivers in the admin through services.waiver_grant."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.contracts.models import Waiver

from .helpers import client_for

pytestmark = pytest.mark.django_db


def waiver_form(line, **changes):
    expires = timezone.localdate() + timedelta(days=90)
    return {
        "commitment": line.pk,
        "justification": "Strategic customer; SLO raise planned for Q3.",
        "expires_on": expires.isoformat(),
        **changes,
    }


def test_dave_grants_a_waiver_recorded_as_his(dave, mismatch_line):
    response = client_for(dave).post(
        reverse("admin:contracts_waiver_add"), waiver_form(mismatch_line)
    )

    assert response.status_code == 302
    waiver = Waiver.objects.get()
    assert (waiver.commitment, waiver.granted_by) == (mismatch_line, dave)
    assert waiver.history.get().history_user == dave


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("justification", {"justification": " "}),
        ("expires_on", {"expires_on": (timezone.localdate() - timedelta(days=1)).isoformat()}),
    ],
)
def test_a_waiver_without_justification_or_expiring_in_the_past_is_refused(
    dave, mismatch_line, field, changes
):
    response = client_for(dave).post(
        reverse("admin:contracts_waiver_add"), waiver_form(mismatch_line, **changes)
    )

    assert field in response.context["adminform"].form.errors
    assert not Waiver.objects.exists()


def test_leadership_cannot_waive_its_own_submission(dave, contract, mismatch_line):
    contract.owner = dave
    contract.save()
    response = client_for(dave).post(
        reverse("admin:contracts_waiver_add"), waiver_form(mismatch_line)
    )

    assert "own submission" in str(response.context["adminform"].form.errors["commitment"])
    assert not Waiver.objects.exists()
