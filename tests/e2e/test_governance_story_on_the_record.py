"""The whole story again, each decision taken on the record itself, with the bad-input paths.

Sales drafts (a target above 100 % is refused, naming the field, and nothing is saved); the
engineer rejects on the line's admin page (first without a comment: refused); sales reads the
rejection where they edit and lowers the target; the engineer approves on the contract page;
legal approves and signs through the confirmation step; leadership reads the dashboard and the
customer's review packet, which each signing role then signs off from its page. Screenshots of
every page land in var/e2e/.
"""

import pytest
from django.urls import reverse

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract, SignOff
from apps.reviews.choices import SignOffRole
from apps.reviews.models import ReviewSignOff

pytestmark = pytest.mark.django_db(transaction=True)

NUMBER = "ACME-REC"


def _log_in(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _go(page, live_server, url):
    page.goto(live_server.url + url)
    page.wait_for_load_state()


def _draft(page, live_server, acme, availability, screenshot):
    """Sales fills the form: first with a target above 100 %, then with 99.99 %."""
    _go(page, live_server, reverse("contracts:create"))
    page.select_option("#id_customer", str(acme.pk))
    page.fill("#id_number", NUMBER)
    page.fill("#id_monthly_fee", "12000")
    page.fill("#id_start_date", "2026-01-01")
    page.select_option("#id_lines-0-indicator", str(availability.pk))
    page.fill("#id_lines-0-target", "100.5")
    page.click("text=Save draft")
    page.locator("#error-summary").wait_for()
    line = page.locator("[data-line]").first
    assert "Nothing was saved" in page.inner_text("#error-summary")
    assert "A target is a percentage greater than 0 and at most 100" in line.inner_text()
    assert line.locator("#id_lines-0-target[aria-invalid=true]").count() == 1
    assert not Contract.objects.filter(number=NUMBER).exists()
    screenshot("rec-01-sales-bad-target-refused")
    page.fill("#id_lines-0-target", "99.99")
    page.locator("[data-line] .verdict-mismatch").first.wait_for()
    page.click("text=Save draft")
    page.locator("h1", has_text=NUMBER).wait_for()
    page.click("text=Submit for review")
    page.wait_for_load_state()
    screenshot("rec-02-sales-submitted")
    return Contract.objects.get(number=NUMBER)


def _reject_on_the_line_page(page, live_server, line, screenshot):
    _go(page, live_server, reverse("admin:contracts_commitment_change", args=[line.pk]))
    decision = page.locator("#line-decision-fields")
    decision.locator("button[value=reject]").click()
    page.wait_for_load_state()
    assert "Nothing changed: Comment: Say why the line is rejected." in page.inner_text(
        "ul.messagelist"
    )
    assert not SignOff.objects.filter(commitment=line).exists()
    screenshot("rec-03-engineer-reject-needs-a-comment")
    page.fill("#line-decision-comment", "99.99 % is above our 99.9 % SLO.")
    page.locator("#line-decision-fields button[value=reject]").click()
    page.wait_for_load_state()
    assert "rejected" in page.inner_text("ul.messagelist")
    screenshot("rec-04-engineer-rejected-on-the-line-page")


def test_each_decision_on_its_own_page(
    live_server, page, screenshot, alice, bob, carol, dave, acme, availability, slo, schedule
):
    _log_in(page, live_server, "alice")
    contract = _draft(page, live_server, acme, availability, screenshot)
    assert contract.status == ContractStatus.IN_REVIEW
    line = contract.commitments.get()

    # The engineer of the owning team rejects on the line's admin page.
    _log_in(page, live_server, "bob")
    _reject_on_the_line_page(page, live_server, line, screenshot)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CHANGES_REQUESTED
    rejection = SignOff.objects.get(commitment=line)
    assert (rejection.decision, rejection.decided_by) == ("reject", bob)

    # Sales reads the rejection where they edit, lowers the target and resubmits.
    _log_in(page, live_server, "alice")
    _go(page, live_server, reverse("contracts:edit", args=[contract.pk]))
    note = page.locator("[data-rejection]").first
    assert "Engineering rejected the target 99.99 %" in note.inner_text()
    assert "bob on" in note.inner_text()
    assert "99.99 % is above our 99.9 % SLO." in note.inner_text()
    screenshot("rec-05-sales-reads-the-rejection")
    page.fill("#id_lines-0-target", "99.8")
    page.locator("[data-line] .verdict-aligned").first.wait_for()
    page.click("text=Save changes")
    page.locator("h1", has_text=NUMBER).wait_for()
    page.click("text=Submit for review")
    page.wait_for_load_state()

    # The engineer approves on the contract page, beside the line.
    _log_in(page, live_server, "bob")
    _go(page, live_server, reverse("contracts:detail", args=[contract.pk]))
    form = page.locator("[data-line-decision]").first
    form.locator("textarea[name=comment]").fill("Within the error budget.")
    screenshot("rec-06-engineer-on-the-contract-page")
    form.locator("button[value=approve]").click()
    page.wait_for_load_state()
    assert "“Availability ≥ 99.8 %” approved." in page.inner_text("main")
    assert page.locator("[data-line-decision]").count() == 0
    screenshot("rec-07-engineer-approved")
    approval = SignOff.objects.get(commitment=line, voided_at__isnull=True)
    assert (approval.decision, approval.decided_by) == ("approve", bob)

    # Legal approves, then signs through the confirmation step.
    _log_in(page, live_server, "carol")
    _go(page, live_server, reverse("contracts:detail", args=[contract.pk]))
    page.fill("#legal-comment", "Terms as negotiated.")
    page.click("text=Record legal approval")
    page.wait_for_load_state()
    page.click("text=Mark signed")
    page.wait_for_load_state()
    page.fill("#id_signatory", "Wile E. Coyote, CTO, Acme")
    screenshot("rec-08-legal-confirms-the-signature")
    page.check("#id_confirm")
    page.click("text=Confirm and mark signed")
    page.wait_for_load_state()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    screenshot("rec-09-legal-signed")

    # Leadership reads the portfolio, opens the review and reads the customer's packet.
    _log_in(page, live_server, "dave")
    _go(page, live_server, reverse("dashboards:portfolio"))
    screenshot("rec-10-leadership-dashboard")
    _go(page, live_server, reverse("reviews:cycle-list"))
    page.fill("input[name=year]", "2026")
    page.click("text=Open review cycle")
    page.wait_for_load_state()
    page.locator("a", has_text=acme.name).first.click()
    page.wait_for_load_state()
    packet_url = page.url
    assert f"0 of {len(SignOffRole)} roles signed" in page.inner_text("main")
    assert page.locator("[data-packet-signoff]").count() == 0
    assert "You sign off review packets for none of these roles." in page.inner_text("main")
    screenshot("rec-11-leadership-reads-the-packet")

    # Each role that signs does so from the packet's page, with a comment.
    for username, role, comment in [
        ("bob", "engineering", "SLOs held all year."),
        ("carol", "legal", "No open dispute."),
        ("alice", "sales", "Renewal on these terms."),
        ("alice", "customer_success", "Customer satisfied."),
    ]:
        _log_in(page, live_server, username)
        page.goto(packet_url)
        page.select_option("#signoff-role", role)
        page.fill("#signoff-comment", comment)
        page.click("[data-packet-signoff] button[type=submit]")
        page.wait_for_load_state()
        assert f"Signed off for {SignOffRole(role).label.lower()}." in page.inner_text("main")
    screenshot("rec-12-packet-signed-by-every-role")
    assert f"{len(SignOffRole)} of {len(SignOffRole)} roles signed" in page.inner_text("main")
    assert ReviewSignOff.objects.count() == len(SignOffRole)
    assert page.locator("text=Every role you sign for has signed off this packet.").count() == 1
