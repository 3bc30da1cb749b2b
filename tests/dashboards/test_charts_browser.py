"""The drill-down charts in a real browser: drawn on the server as SVG, legible, each beside its
table. Screenshots of the service and the customer page land in var/e2e/."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def overlapping_texts(page, selector: str) -> list:
    """Pairs of texts in one chart whose drawn boxes overlap (ticks, month labels, legend)."""
    return page.evaluate(
        """(selector) => {
          const found = [];
          for (const svg of document.querySelectorAll(selector)) {
            const boxes = [...svg.querySelectorAll("text")].map(
              t => [t.textContent, t.getBoundingClientRect()]);
            boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
              if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) {
                found.push([svg.id, a, b]);
              }
            }));
          }
          return found;
        }""",
        selector,
    )


def charts_on(page) -> dict:
    return page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("svg.chart")].map(svg => [
          svg.id.replace("chart-", ""),
          {
            title: svg.querySelector("title").textContent,
            points: svg.querySelectorAll("circle.point").length,
            bars: svg.querySelectorAll("rect.bar").length,
            references: svg.querySelectorAll("line.reference").length,
            width: svg.getBoundingClientRect().width,
            table: !!svg.closest(".chart-block").querySelector("table tbody tr"),
          }
        ]))"""
    )


def test_the_service_and_customer_pages_draw_their_charts(
    live_server, page, screenshot, world, dave
):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "response",
        lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )
    log_in(page, live_server, "dave")

    page.goto(f"{live_server.url}/dashboards/services/payments-api/")
    pay = world.lines["L1"].indicator_id
    charts = charts_on(page)
    # Availability (SLO and two SLA targets), its burn-down, latency (one SLA), credits.
    assert len(charts) == 4
    assert charts[f"attainment-{pay}"]["points"] == 4  # January to April
    assert charts[f"attainment-{pay}"]["references"] == 3
    assert charts[f"budget-{pay}"]["points"] == 8  # year to date and each month
    assert charts["credits"]["bars"] == 4
    assert all(chart["width"] > 300 and chart["table"] for chart in charts.values())
    assert overlapping_texts(page, "svg.chart") == []
    assert errors == []
    screenshot("dashboards-01-service")

    page.goto(f"{live_server.url}/dashboards/customers/{world.customers['globex'].pk}/")
    charts = charts_on(page)
    assert sorted(charts) == sorted(
        [
            f"attainment-{world.lines['L5'].indicator_id}",
            f"attainment-{world.lines['L4'].indicator_id}",
            f"budget-{world.lines['L4'].indicator_id}",
            "credits",
        ]
    )
    assert charts["credits"]["bars"] == 4
    assert overlapping_texts(page, "svg.chart") == []
    assert errors == []
    screenshot("dashboards-02-customer")

    page.goto(f"{live_server.url}/dashboards/services/payments-api/?year=2025")
    assert charts_on(page)[f"attainment-{pay}"]["points"] == 0  # no samples in 2025
    assert overlapping_texts(page, "svg.chart") == []  # twelve month labels fit
    screenshot("dashboards-03-service-past-year")

    page.goto(f"{live_server.url}/dashboards/")
    page.locator("#figure-credits a.value", has_text="350.00 EUR").wait_for()
    screenshot("dashboards-04-portfolio")
