"""In the browser: legal opens the confirmation, sees what will be signed, confirms, and the
legal card shows the comment, the signatory and the date."""

import pytest
from django.urls import reverse

from apps.contracts import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_legal_confirms_a_signature(live_server, page, screenshot, alice, bob, carol, aligned_line):
    contract = aligned_line.contract
    services.contract_submit(contract=contract, user=alice)
    services.commitment_signoff(commitment=aligned_line, user=bob, decision="approve")
    services.contract_legal_approve(contract=contract, user=carol, comment="Cap checked.")

    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "carol")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(live_server.url + reverse("contracts:detail", args=[contract.pk]))
    page.click("text=Mark signed…")
    page.wait_for_url(f"**{reverse('contracts:sign-confirm', args=[contract.pk])}")
    assert "10,000.00 EUR" in page.inner_text("main")
    page.fill("#id_signatory", "Jane Roe, CFO, Acme")
    page.click("text=Confirm and mark signed")
    assert "Confirm that these are the terms that were signed." in page.inner_text("main")
    page.check("#id_confirm")
    screenshot("sign-confirm")
    page.click("text=Confirm and mark signed")
    page.wait_for_url(f"**{reverse('contracts:detail', args=[contract.pk])}")
    card = page.locator("section[aria-labelledby=legal-heading]").inner_text()
    assert "“Cap checked.”" in card
    assert "Signed by Jane Roe, CFO, Acme on" in card
    screenshot("sign-done-legal-card")
