"""The packet page and the cycle list in Chromium, as leadership reads them."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)


def test_packet_page_reads_as_sentences_and_labels(
    live_server, page, screenshot, dave, cycle, service_packet
):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "dave")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: reverse("login") not in url)

    page.goto(live_server.url + reverse("reviews:cycle-list"))
    row = page.locator("tr", has_text="Payments API")
    assert "0 of 4" in row.inner_text()
    screenshot("reviews-01-cycle-list")

    page.goto(live_server.url + reverse("reviews:packet-detail", args=[service_packet.pk]))
    main = page.inner_text("main")
    assert "(rolling 30 days, active)" in main
    assert "Evidence: Target 99.9 %. Missed in 2025-02 (99.7 %), 2025-03 (98.9 %)." in main
    assert "breached: below 99.8 % target" in main
    assert "quarters = [" not in main and "slo_id" not in main
    screenshot("reviews-02-packet-page")
