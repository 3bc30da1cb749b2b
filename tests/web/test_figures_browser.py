"""The figures as a person reads them, with screenshots: the contract page and the SLO chart."""

from decimal import Decimal

import pytest

from apps.contracts import services
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_contract_page_and_slo_chart_read_one_way(
    live_server, page, screenshot, alice, bob, contract, availability, slo, schedule
):
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

    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/contracts/{contract.pk}/")
    heading = page.locator(f"#line-{line.pk}").inner_text()
    assert "Payments API · Availability ≥ 99.99 % per calendar month" in heading
    assert page.locator(".badge.decision").first.inner_text() == "Rejected"
    assert page.locator("dt:text('Monthly fee') + dd").inner_text() == "32,450.00 EUR"
    screenshot("figures-01-contract-rejected-line")

    page.context.clear_cookies()
    log_in(page, live_server, "bob")
    page.goto(f"{live_server.url}/slos/{slo.pk}/")
    ticks = page.locator("svg text[dominant-baseline=middle]").all_text_contents()
    assert len(set(ticks)) == len(ticks), ticks
    screenshot("figures-02-slo-chart-axis")
