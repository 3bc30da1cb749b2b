"""The live alignment in a real browser: the script fetches the verdict while sales types."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def test_typing_a_target_shows_the_verdict_and_safe_maximum_beside_it(
    live_server, page, screenshot, alice, acme, availability, slo
):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(f"**{reverse('contracts:list')}?owner=me")

    page.goto(live_server.url + reverse("contracts:create"))
    page.select_option("#id_lines-0-indicator", str(availability.pk))
    page.fill("#id_lines-0-target", "99.95")
    preview = page.locator("[data-line] [data-alignment]").first
    preview.locator(".verdict-mismatch").wait_for()
    assert "stricter than the SLO target 99.9 %" in preview.inner_text()
    assert "The most you can safely promise: 99.8 %" in preview.inner_text()
    assert preview.get_attribute("aria-live") == "polite"

    page.fill("#id_lines-0-target", "99.8")
    preview.locator(".verdict-aligned").wait_for()
    page.fill("#id_lines-0-target", "101")
    preview.locator(".preview-problem").wait_for()
    assert "at most 100" in preview.inner_text()

    page.click("#add-line")
    page.select_option("#id_lines-1-indicator", str(availability.pk))
    page.fill("#id_lines-1-target", "99.5")
    page.locator("[data-line]").nth(1).locator(".verdict-aligned").wait_for()
    assert page.locator("[name=lines-TOTAL_FORMS]").input_value() == "2"
    screenshot("web-01-live-alignment")

    page.select_option("#id_customer", str(acme.pk))
    page.fill("#id_number", "ACME-LIVE")
    page.fill("#id_monthly_fee", "1000")
    page.fill("#id_start_date", "2026-01-01")
    page.fill("#id_lines-0-target", "99.95")
    page.click("text=Save draft")
    page.locator("h1", has_text="ACME-LIVE").wait_for()
    assert "Contract ACME-LIVE r1 saved." in page.inner_text(".messages")
    assert page.locator(".line-view").count() == 2
    assert page.locator(".line-view .verdict-mismatch").count() == 1
    screenshot("web-02-contract-page")
