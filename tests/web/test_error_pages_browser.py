"""The error pages as a person sees them: styled like the portal, with the reason and the way on."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_sales_sees_a_styled_refusal_and_a_styled_not_found(live_server, page, screenshot, alice):
    log_in(page, live_server, "alice")

    response = page.goto(f"{live_server.url}/dashboards/")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "You may not open this page"
    assert "for leadership" in page.locator(".message.error").inner_text()
    # The portal's stylesheet is applied: the header bar is drawn in its navy.
    header = page.evaluate(
        "getComputedStyle(document.querySelector('header.site')).backgroundColor"
    )
    assert header == "rgb(16, 42, 67)"
    screenshot("errors-01-sales-on-portfolio-403")

    page.get_by_role("link", name="Contracts").first.click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/contracts/"

    response = page.goto(f"{live_server.url}/contracts/987654/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "This page does not exist"
    screenshot("errors-02-missing-contract-404")
