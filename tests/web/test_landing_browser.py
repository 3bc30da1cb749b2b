"""In the browser: legal signs in, lands on what waits for legal with its count in the
navigation, then searches, sorts and filters the contract list, including a bad value."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.contracts import services
from tests.factories import ContractFactory, CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_legal_lands_on_its_queue_and_works_the_list(
    live_server, page, screenshot, alice, bob, carol, aligned_line
):
    contract = aligned_line.contract
    services.contract_submit(contract=contract, user=alice)
    services.commitment_signoff(commitment=aligned_line, user=bob, decision="approve")
    for index, name in enumerate(("Initech", "Globex", "Umbrella")):
        ContractFactory(
            owner=alice,
            customer=CustomerFactory(name=name),
            number=f"{name[:3].upper()}-{index}",
            monthly_fee=Decimal(1000 * (index + 1)),
            renewal_date=timezone.localdate() + timedelta(days=20 * (index + 1)),
        )

    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "carol")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url("**/contracts/?queue=legal")
    assert page.locator("h1").inner_text() == "Waiting for legal"
    assert page.locator("nav[aria-label=Main]").get_by_text("Waiting for legal").inner_text() == (
        "Waiting for legal 1"
    )
    assert page.locator("table.contracts tbody tr").count() == 1
    assert "ACME-001" in page.locator("table.contracts tbody").inner_text()
    screenshot("landing-legal-waiting")

    page.goto(live_server.url + reverse("contracts:list"))
    page.fill("#id_renewal", "45")
    page.click("form.filters button[type=submit]")
    page.get_by_role("link", name="Monthly fee").click()
    page.get_by_role("link", name="Monthly fee ▲").click()
    rows = page.locator("table.contracts tbody tr th")
    assert rows.all_inner_texts() == ["GLO-1", "INI-0"]
    assert "2,000.00 EUR" in page.locator("table.contracts").inner_text()
    screenshot("contract-list-renewal-sorted")

    page.goto(live_server.url + reverse("contracts:list") + "?renewal=soon&q=glo")
    assert "Some filters were ignored: Renews within (days): Enter a whole number." in (
        page.locator(".messages").inner_text()
    )
    assert page.locator("table.contracts tbody tr th").all_inner_texts() == ["GLO-1"]
    screenshot("contract-list-bad-filter")
