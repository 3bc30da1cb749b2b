"""The admin's history pages: the changes of every record, and sign-offs named as they were."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.contracts import services
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    html = response.content.decode().replace("&nbsp;", " ").replace("&rarr;", "→")
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def lowered_line(alice, bob, contract, availability, slo, schedule):
    """Bob rejected 99.99 %; alice then lowered the line to 99.8 % (voiding the rejection)."""
    line = CommitmentFactory(
        contract=contract,
        indicator=availability,
        target=Decimal("99.99"),
        credit_schedule=schedule,
    )
    services.contract_submit(contract=contract, user=alice)
    services.commitment_signoff(
        commitment=line, user=bob, decision="reject", comment="Tighter than the SLO."
    )
    line.refresh_from_db()
    return services.commitment_update(commitment=line, user=alice, target=Decimal("99.8"))


def test_contract_history_lists_what_each_change_changed(client, carol, lowered_line):
    client.force_login(carol)

    page = text(
        client.get(reverse("admin:contracts_contract_history", args=[lowered_line.contract_id]))
    )

    # The submission changed fields that only services write (status, who and when).
    submitted = page[page.index("Submitted for review") :]
    assert "Status: draft → in_review" in submitted
    assert "Submitted by: None → alice" in submitted


def test_commitment_history_includes_signoffs_and_their_comments(client, bob, lowered_line):
    client.force_login(bob)

    page = text(client.get(reverse("admin:contracts_commitment_history", args=[lowered_line.pk])))

    signoffs = page[page.index("Sign-offs and comments") :]
    assert "bob Rejected 99.99 % (version 1) MISMATCH Tighter than the SLO." in signoffs
    assert "current" not in signoffs.split("Tighter than the SLO.")[1][:40]
    # The line's own changes list the target lowered.
    assert "Line edited. Target: 99.9900 → 99.8000 Version: 1 → 2" in page


def test_signoff_list_names_the_target_judged(client, bob, lowered_line):
    client.force_login(bob)

    page = text(client.get(reverse("admin:contracts_signoff_changelist")))

    assert "Payments API · Availability ≥ 99.99 % per month" in page
    assert "≥ 99.8 % per month" not in page


@pytest.mark.django_db(transaction=True)
def test_commitment_history_in_a_browser(live_server, page, screenshot, bob, lowered_line):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "bob")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(
        live_server.url + reverse("admin:contracts_commitment_history", args=[lowered_line.pk])
    )
    table = page.locator("#signoff-history table")
    assert "Tighter than the SLO." in table.inner_text()
    assert "99.99 %" in table.inner_text()
    screenshot("admin-history-01-commitment-with-signoffs")
