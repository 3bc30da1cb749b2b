"""The live check and the line's heading agree, and a number still being typed is not judged."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.contracts import services
from apps.slos.alignment import Verdict
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mismatched_line(contract, availability, slo, schedule):
    """99.95 % on the 99.9 % SLO, saved as MISMATCH."""
    line = CommitmentFactory(
        contract=contract,
        indicator=availability,
        target=Decimal("99.95"),
        credit_schedule=schedule,
    )
    services.commitments_refresh_alignment()
    line.refresh_from_db()
    assert line.verdict == Verdict.MISMATCH
    return line


def test_fixing_a_line_updates_its_heading_and_partial_targets_wait(
    live_server, page, screenshot, alice, mismatched_line
):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"**{reverse('contracts:list')}?owner=me")
    page.goto(live_server.url + reverse("contracts:edit", args=[mismatched_line.contract_id]))

    line = page.locator("[data-line]").first
    heading = line.locator("legend")
    box = line.locator("[data-alignment]")
    box.locator(".verdict-mismatch").wait_for()
    assert "MISMATCH" in heading.inner_text()

    page.fill("#id_lines-0-target", "99.8")
    box.locator(".verdict-aligned").wait_for()
    heading.locator(".verdict-aligned").wait_for()
    assert "as typed, not saved" in heading.inner_text()
    assert "MISMATCH" not in heading.inner_text()
    screenshot("live-01-fixed-line-heading")

    # "9", on the way to "99.9": no verdict on it, the box says why and the heading is the saved.
    page.fill("#id_lines-0-target", "9")
    box.locator(".keep-typing").wait_for()
    assert "Keep typing" in box.inner_text()
    assert box.locator(".badge.verdict").count() == 0
    assert "MISMATCH" in heading.inner_text()
    screenshot("live-02-keep-typing")

    page.fill("#id_lines-0-target", "99.")
    box.locator(".keep-typing").wait_for()

    page.fill("#id_lines-0-target", "99.5")
    box.locator(".verdict-aligned").wait_for()

    # Leaving the field judges whatever it holds: 9 % is a target one may mean.
    page.fill("#id_lines-0-target", "9")
    page.locator("#id_lines-0-target").blur()
    box.locator(".badge.verdict").wait_for()
    assert box.locator(".keep-typing").count() == 0
