"""Engineering sees, where it signs off, that a line's credits contradict its target."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.contracts import services

from .helpers import client_for, run_action

pytestmark = pytest.mark.django_db

MODEL = "contracts_commitment"
# The cloud-style schedule pays 10 % below 99.99 %: a 99.9 % line is paid in months it met.
CREDITS_MET = (
    "Credits contradict the SLA: The schedule credits up to 10 % at attainments ≥ 99.9 % and "
    "&lt; 99.99 %, which meet the 99.9 % target: a met period would be paid."
)


@pytest.fixture
def line(alice, contract, availability, slo, schedule):
    made = services.commitment_create(
        contract=contract,
        user=alice,
        indicator=availability,
        target=Decimal("99.9"),
        credit_schedule=schedule,
    )
    services.contract_submit(contract=contract, user=alice)
    return made


def test_approve_page_gives_the_reason_beside_each_line(bob, line):
    response = run_action(bob, MODEL, "approve_lines", [line])
    assert response.templates[0].name == "admin/action_with_comment.html"
    assert CREDITS_MET in response.content.decode()


def test_line_page_says_whether_legal_confirmed_it(bob, carol, line):
    url = reverse(f"admin:{MODEL}_change", args=[line.pk])
    assert CREDITS_MET in client_for(bob).get(url).content.decode()

    services.commitment_schedule_confirm(commitment=line, user=carol, comment="Goodwill.")
    page = client_for(bob).get(url).content.decode()
    assert "Confirmed on purpose by carol: Goodwill." in page
