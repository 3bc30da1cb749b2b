"""Pages write a percentage, an amount, a date and a decision one way (apps/core/formatting.py)."""

import re
from decimal import Decimal

import pytest

from apps.contracts import services
from tests.factories import CommitmentFactory

from .helpers import client_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def rejected_line(alice, bob, contract, availability, slo, schedule):
    contract.monthly_fee = Decimal("32450.00")
    contract.save()
    line = CommitmentFactory(
        contract=contract,
        indicator=availability,
        target=Decimal("99.9900"),
        credit_schedule=schedule,
    )
    services.contract_submit(contract=contract, user=alice)
    services.commitment_signoff(
        commitment=line, user=bob, decision="reject", comment="The SLO is 99.9 %."
    )
    return line


def test_contract_page_writes_decision_fee_and_target_once_each_way(alice, rejected_line):
    html = client_as(alice).get(f"/contracts/{rejected_line.contract_id}/").content.decode()

    assert ">Rejected</span>" in html
    assert "Rejectd" not in html
    assert "<dd>32,450.00 EUR</dd>" in html
    assert "Availability ≥ 99.99 %" in html
    assert "99.9900" not in html
    assert "(verdict then: MISMATCH" in html


def test_slo_chart_axis_labels_are_distinct(bob, slo):
    html = client_as(bob).get(f"/slos/{slo.pk}/").content.decode()

    labels = re.findall(r'text-anchor="end" dominant-baseline="middle">([^<]+)</text>', html)
    assert labels, html
    assert len(set(labels)) == len(labels), labels
    assert "99.9 %" in labels
    assert "100 %" in labels


def test_dashboard_list_writes_fees_with_separators(dave, signed_contract):
    html = client_as(dave).get("/dashboards/contracts/").content.decode()

    assert "<td>10,000.00</td>" in html
    assert "10000.00" not in html


def test_the_line_admin_page_writes_its_target_as_the_pages_do(bob, rejected_line):
    page = client_as(bob).get(f"/admin/contracts/commitment/{rejected_line.pk}/change/")

    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(r"<label>Target:</label>\s*<div class=\"readonly\">99.99 %</div>", html), html
    assert "99.9900" not in html
