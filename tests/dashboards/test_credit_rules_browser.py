"""The credits list in Chromium: each line says which rule made its breaches and credits."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_credits_list_names_the_rules(live_server, page, screenshot, world, dave):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "dave")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/dashboards/")
    page.click("#figure-credits a.value >> nth=0")
    page.locator("th", has_text="rules behind the figures").wait_for()
    row = page.locator("tr", has_text="Calendar month").filter(has_text="ACME-1")
    assert "(2 of them met the target)" in row.inner_text()
    screenshot("dashboards-credits-rules")
