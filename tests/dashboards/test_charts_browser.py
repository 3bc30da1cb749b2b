"""The drill-down charts in a real browser: the vendored Chart.js draws every chart."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_chart_of_the_service_page_is_drawn(live_server, page, screenshot, world, dave):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Every asset the page asks for is served (the browser's own favicon request aside).
    page.on(
        "response",
        lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "dave")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/dashboards/services/payments-api/")
    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() == 4  # two attainment charts, one budget chart, credits
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')].map("
        "c => { const chart = Chart.getChart(c); return chart ? chart.data.datasets.length : 0; })"
    )
    assert drawn == [4, 1, 2, 1]
    assert errors == []
    screenshot("dashboards-01-service")

    page.goto(f"{live_server.url}/dashboards/")
    page.locator("#figure-credits a.value", has_text="350.00 EUR").wait_for()
    screenshot("dashboards-02-portfolio")
