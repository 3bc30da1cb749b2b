"""The whole story in a real browser, as each role sees it.

Sales drafts a contract and sees the mismatch while typing; engineering rejects it in the admin;
sales lowers the target; engineering approves; legal signs; leadership opens the dashboard and a
review packet. Screenshots of every step land in var/e2e/.
"""

import re

import pytest
from django.urls import reverse

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract, SignOff

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, live_server, username):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _admin_action_on_line(page, live_server, line_label, action, comment):
    page.goto(live_server.url + reverse("admin:contracts_commitment_changelist"))
    row = page.locator("#result_list tbody tr", has_text=line_label).first
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")
    page.fill("textarea[name=comment]", comment)
    page.locator("form input[type=submit], form button[type=submit]").last.click()
    page.wait_for_load_state()


def test_from_draft_to_signature_to_leadership_review(
    live_server, page, screenshot, alice, bob, carol, dave, acme, availability, slo, schedule
):
    # Sales drafts a line tighter than the SLO and is told so while typing.
    _log_in(page, live_server, "alice")
    page.goto(live_server.url + reverse("contracts:create"))
    page.select_option("#id_customer", str(acme.pk))
    page.fill("#id_number", "ACME-E2E")
    page.fill("#id_monthly_fee", "12000")
    page.fill("#id_start_date", "2026-01-01")
    page.fill("#id_timezone", "Europe/Paris")
    backtests = []
    page.on("request", lambda r: "backtest-preview" in r.url and backtests.append(r.url))
    page.select_option("#id_lines-0-indicator", str(availability.pk))
    page.fill("#id_lines-0-target", "99.99")
    preview = page.locator("[data-line] [data-alignment]").first
    preview.locator(".verdict-mismatch").wait_for()
    assert "The most you can safely promise: 99.8 %" in preview.inner_text()
    # Beside it, the backtest of that target, in the contract's calendar and currency.
    page.locator("[data-line] [data-backtest] .backtest-result").first.wait_for()
    assert "timezone=Europe%2FParis" in backtests[-1] and "currency=EUR" in backtests[-1]
    screenshot("e2e-01-sales-sees-mismatch")
    page.click("text=Save draft")
    page.locator("h1", has_text="ACME-E2E").wait_for()
    page.click("text=Submit for review")
    page.wait_for_load_state()
    contract = Contract.objects.get(number="ACME-E2E")
    assert contract.status == ContractStatus.IN_REVIEW

    # Engineering rejects it in the admin, with a comment sales will read.
    _log_in(page, live_server, "bob")
    _admin_action_on_line(
        page, live_server, "ACME-E2E", "reject_lines", "99.99 % is above our 99.9 % SLO."
    )
    assert "rejected" in page.inner_text("ul.messagelist")
    screenshot("e2e-02-engineering-rejects")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CHANGES_REQUESTED

    # Sales lowers the target to what the SLO can back, and resubmits.
    _log_in(page, live_server, "alice")
    page.goto(live_server.url + reverse("contracts:edit", args=[contract.pk]))
    page.fill("#id_lines-0-target", "99.8")
    page.locator("[data-line] .verdict-aligned").first.wait_for()
    page.click("text=Save changes")
    page.locator("h1", has_text="ACME-E2E").wait_for()
    page.click("text=Submit for review")
    page.wait_for_load_state()
    screenshot("e2e-03-sales-resubmits")

    # Engineering approves.
    _log_in(page, live_server, "bob")
    _admin_action_on_line(page, live_server, "ACME-E2E", "approve_lines", "Within budget.")
    assert "approved" in page.inner_text("ul.messagelist")
    approval = SignOff.objects.get(voided_at__isnull=True, commitment__contract=contract)
    assert (approval.decision, approval.decided_by) == ("approve", bob)

    # Legal approves and signs on the contract page.
    _log_in(page, live_server, "carol")
    page.goto(live_server.url + reverse("contracts:detail", args=[contract.pk]))
    page.click("text=Record legal approval")
    page.wait_for_load_state()
    page.click("text=Mark signed")
    page.wait_for_load_state()
    # The confirmation step shows what will be signed and asks who signed it.
    assert "What will be signed" in page.inner_text("main")
    page.fill("#id_signatory", "Wile E. Coyote, CTO, Acme")
    page.check("#id_confirm")
    page.click("text=Confirm and mark signed")
    page.wait_for_load_state()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert "carol" in page.inner_text("body")
    screenshot("e2e-04-legal-signed")

    # Leadership reads the portfolio and opens a review cycle, then reads a packet.
    _log_in(page, live_server, "dave")
    page.goto(live_server.url + reverse("dashboards:portfolio"))
    assert re.search(r"ALIGNED|Aligned", page.inner_text("main"))
    screenshot("e2e-05-leadership-dashboard")
    page.goto(live_server.url + reverse("reviews:cycle-list"))
    page.fill("input[name=year]", "2026")
    page.click("text=Open review cycle")
    page.wait_for_load_state()
    page.locator("a", has_text="Payments API").first.click()
    page.wait_for_load_state()
    body = page.inner_text("main")
    assert "Payments API" in body and "ACME-E2E" in body
    screenshot("e2e-06-review-packet")
