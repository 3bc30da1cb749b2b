"""In Chromium: sales sees, as it types, that a schedule credits above the target; legal sees
the reason beside its approval and confirms it on purpose."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import CreditScheduleFactory

pytestmark = pytest.mark.django_db(transaction=True)


def login(page, live_server, username):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    # Each role lands on its own work: wait only to be past the login page.
    page.wait_for_url(lambda url: reverse("login") not in url)


def test_credits_contradicting_the_target_are_flagged_then_confirmed(
    live_server, page, screenshot, alice, carol, acme, availability, slo
):
    storage = CreditScheduleFactory(
        name="Storage style: 99.9 / 99.0",
        tiers=[(Decimal("99.0"), Decimal("99.9"), Decimal("10")), (None, Decimal("99.0"), 25)],
    )
    login(page, live_server, "alice")
    page.goto(live_server.url + reverse("contracts:create"))
    page.select_option("#id_lines-0-indicator", str(availability.pk))
    page.select_option("#id_lines-0-credit_schedule", str(storage.pk))
    page.fill("#id_lines-0-target", "99.25")
    findings = page.locator("[data-line] [data-alignment] [data-schedule-findings]").first
    findings.wait_for()
    assert "Credits contradict the SLA" in findings.inner_text()
    assert "which meet the 99.25 % target: a met period would be paid" in findings.inner_text()
    screenshot("web-schedule-fit-01-form")

    # At 99.9 % the schedule pays exactly below the target: the warning goes.
    page.fill("#id_lines-0-target", "99.9")
    page.locator("[data-line] [data-alignment] .verdict-line").first.wait_for()
    page.wait_for_function(
        "() => !document.querySelector('[data-alignment] [data-schedule-findings]')"
    )
    page.fill("#id_lines-0-target", "99.25")
    findings.wait_for()
    page.select_option("#id_customer", str(acme.pk))
    page.fill("#id_number", "TYRELL-LIKE")
    page.fill("#id_monthly_fee", "29500")
    page.fill("#id_start_date", "2026-01-01")
    page.click("text=Save draft")
    page.locator("h1", has_text="TYRELL-LIKE").wait_for()
    page.click("text=Submit for review")
    page.locator(".messages").wait_for()

    page.context.clear_cookies()
    login(page, live_server, "carol")
    page.goto(live_server.url + reverse("contracts:list"))
    page.click("text=TYRELL-LIKE")
    legal = page.locator("[data-legal-schedule-findings]")
    assert "a met period would be paid" in legal.inner_text()
    screenshot("web-schedule-fit-02-legal-sees-reason")

    page.fill("input[name=comment][id^=schedule-comment]", "Goodwill credit agreed with Tyrell.")
    page.click("text=Confirm the credit schedule on purpose")
    page.locator(".messages", has_text="confirmed").wait_for()
    line = page.locator(".line-view [data-schedule-findings]")
    assert "Confirmed on purpose by carol" in line.inner_text()
    assert page.locator("[data-legal-schedule-findings]").count() == 0
    screenshot("web-schedule-fit-03-confirmed")
