"""A credit schedule that contradicts its line's target is flagged on the form's live box and on
the contract page, and legal confirms it there on purpose."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.contracts import services
from apps.contracts.models import ScheduleFitConfirmation
from tests.conftest import api_as
from tests.factories import CreditScheduleFactory

from .helpers import client_as

pytestmark = pytest.mark.django_db

CREDITS_MET = (
    "The schedule credits up to 10 % at attainments ≥ 99.25 % and &lt; 99.9 %, which meet the "
    "99.25 % target: a met period would be paid."
)


@pytest.fixture
def pays_below_999(db):
    return CreditScheduleFactory(
        name="Pays below 99.9",
        tiers=[(Decimal("99.0"), Decimal("99.9"), Decimal("10")), (None, Decimal("99.0"), 25)],
    )


@pytest.fixture
def tyrell_line(alice, contract, availability, slo, pays_below_999):
    line = services.commitment_create(
        contract=contract,
        user=alice,
        indicator=availability,
        target=Decimal("99.25"),
        credit_schedule=pays_below_999,
    )
    services.contract_submit(contract=contract, user=alice)
    return line


def test_live_box_flags_a_schedule_paying_above_the_typed_target(
    alice, availability, slo, pays_below_999
):
    url = reverse("contracts:alignment-preview")
    params = {"indicator": availability.pk, "target": "99.25", "credit_schedule": pays_below_999.pk}
    page = client_as(alice).get(url, params).content.decode()
    assert "Credits contradict the SLA" in page
    assert CREDITS_MET in page

    params["target"] = "99.9"
    assert "Credits contradict the SLA" not in client_as(alice).get(url, params).content.decode()


def test_live_box_flags_a_gap_below_the_typed_target(alice, availability, slo, schedule):
    page = (
        client_as(alice)
        .get(
            reverse("contracts:alignment-preview"),
            {"indicator": availability.pk, "target": "99.995", "credit_schedule": schedule.pk},
        )
        .content.decode()
    )
    assert (
        "No tier credits attainments ≥ 99.99 % and &lt; 99.995 %, which breach the 99.995 % "
        "target: a breached period would earn nothing." in page
    )


def test_legal_sees_the_reason_and_confirms_it_on_purpose(carol, contract, tyrell_line):
    browser = client_as(carol)
    url = reverse("contracts:detail", args=[contract.pk])
    page = browser.get(url).content.decode()
    assert "Credits that contradict the SLA" in page  # on the legal card, beside approval
    assert page.count(CREDITS_MET) == 2  # there and on the line
    assert "Confirm the credit schedule on purpose" in page

    response = browser.post(
        reverse("contracts:line-schedule-confirm", args=[contract.pk, tyrell_line.pk]),
        {"comment": "Goodwill credit agreed with the customer."},
        follow=True,
    )
    page = response.content.decode()
    assert "Credit schedule of “Availability ≥ 99.25 %” confirmed." in page
    assert (
        "Confirmed on purpose by carol on" in page
        and "Goodwill credit agreed with the customer." in page
    )
    assert "Confirm the credit schedule on purpose" not in page
    assert "Credits that contradict the SLA</strong>, not confirmed" not in page
    assert ScheduleFitConfirmation.objects.get().confirmed_by == carol
    # The timeline records who confirmed which line and why.
    assert "Credit schedule of Availability ≥ 99.25 % created" in page
    assert "Credit schedule confirmed: Goodwill credit agreed with the customer." in page


def test_sales_sees_the_reason_but_cannot_confirm(alice, contract, tyrell_line):
    browser = client_as(alice)
    page = browser.get(reverse("contracts:detail", args=[contract.pk])).content.decode()
    assert CREDITS_MET in page
    assert "Confirm the credit schedule on purpose" not in page
    response = browser.post(
        reverse("contracts:line-schedule-confirm", args=[contract.pk, tyrell_line.pk]),
        {"comment": "Me too."},
        follow=True,
    )
    assert "Nothing changed: Only legal may approve a contract." in response.content.decode()
    assert not ScheduleFitConfirmation.objects.exists()


def test_api_line_carries_its_schedule_findings_and_confirmation(carol, tyrell_line):
    client = api_as(carol)
    [finding] = client.get(f"/api/v1/commitments/{tyrell_line.pk}/").json()["schedule_findings"]
    assert finding["kind"] == "credits_above_target"
    assert finding["lower"] == "99.2500" and finding["upper"] == "99.9000"
    assert "a met period would be paid" in finding["message"]

    services.commitment_schedule_confirm(commitment=tyrell_line, user=carol, comment="Goodwill.")
    body = client.get("/api/v1/commitments/").json()
    rows = body["results"] if isinstance(body, dict) else body
    [row] = [r for r in rows if r["id"] == tyrell_line.pk]
    assert row["schedule_confirmation"]["confirmed_by"] == "carol"
    assert row["schedule_confirmation"]["comment"] == "Goodwill."
