"""The per service and per customer dashboards: charts, the tables beside them, their CSV."""

import csv
import io
import re
from decimal import Decimal

import pytest

from tests.charts import chart_data
from tests.web.helpers import client_as

pytestmark = pytest.mark.django_db


def page(user, url):
    response = client_as(user).get(url)
    assert response.status_code == 200, response.content[:500]
    return response


def values(points) -> list[Decimal]:
    return [value for _, value in points]


def test_the_service_page_charts_attainment_against_the_slo_and_every_sla_target(world, bob):
    response = page(bob, "/dashboards/services/payments-api/")
    pay = world.lines["L1"].indicator_id
    chart = chart_data(response)[f"attainment-{pay}"]
    assert chart["title"] == "Availability: monthly attainment"
    assert chart["labelledby"] == f"chart-attainment-{pay}-title chart-attainment-{pay}-desc"
    assert "2026-01 to 2026-04" in chart["desc"] and "table" in chart["desc"]
    attained = chart["series"]["Attainment"]
    assert [label for label, _ in attained] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert values(attained) == [Decimal("99.95"), Decimal("99.92"), 100, 100]
    assert chart["references"] == {
        "SLO 99.9 %": Decimal("99.9"),
        "SLA 99.95 % (Acme)": Decimal("99.95"),
        "SLA 99.8 % (Acme)": Decimal("99.8"),
    }  # the draft and in-review lines are not SLAs yet
    assert chart["legend"] == ["Attainment", *chart["references"], "Under 99.9 %"]
    # Written with the house percent, each tick unlike its neighbours.
    assert chart["ticks"] and all(tick.endswith(" %") for tick in chart["ticks"])
    assert len(set(chart["ticks"])) == len(chart["ticks"])
    assert chart["ticks"][-1] == "100 %"


def test_the_attainment_table_says_what_the_chart_shows(world, bob):
    response = page(bob, "/dashboards/services/payments-api/")
    panel = response.context["drilldown"].panels[0]
    assert panel.attainment.columns == [
        "Month",
        "Attainment",
        "SLO 99.9 %",
        "SLA 99.95 % (Acme)",
        "SLA 99.8 % (Acme)",
    ]
    assert panel.attainment.rows[1] == ["2026-02", "99.92 %", "met", "missed", "met"]
    assert f'id="table-{panel.attainment.id}"' in response.text
    assert "SLO</a> 99.9 %" in response.text
    assert ">None<" not in response.text


def test_the_budget_burns_down_over_the_year_beside_each_months_budget(world, bob):
    response = page(bob, "/dashboards/services/payments-api/")
    pay = world.lines["L1"].indicator_id
    chart = chart_data(response)[f"budget-{pay}"]
    assert chart["title"] == "Availability: error budget burn-down (SLO 99.9 %)"
    # Jan 5 bad of 10,000 (budget 10): half left; by Feb 13 bad of 20,000 (budget 20), and so on.
    year = values(chart["series"]["Budget left, year to date"])
    assert [round(v, 2) for v in year] == [50, 35, Decimal("56.67"), Decimal("67.5")]
    assert values(chart["series"]["Budget left in the month"]) == [50, 20, 100, 100]
    assert chart["references"] == {"Budget spent": 0}
    panel = response.context["drilldown"].panels[0]
    assert panel.budget.rows == [
        ["2026-01", "50 %", "50 %"],
        ["2026-02", "35 %", "20 %"],
        ["2026-03", "56.6 %", "100 %"],
        ["2026-04", "67.5 %", "100 %"],
    ]


def test_an_overspent_budget_keeps_the_axis_readable(world, bob):
    response = page(bob, "/dashboards/services/search-api/")
    search = world.lines["L4"].indicator_id
    chart = chart_data(response)[f"budget-{search}"]
    # January at 99 % against 99.9 % spent the budget ten times over: the table says so, the
    # axis stops at twice the budget spent so the other months stay legible.
    assert values(chart["series"]["Budget left in the month"])[0] == -900
    svg = re.search(rf'<svg[^>]*id="chart-budget-{search}".*?</svg>', response.text, re.S)[0]
    # All four months of the year so far, and January and April on their own: hollow.
    assert svg.count('class="point beyond"') == 6
    assert chart["ticks"][0] == "-100 %" and chart["ticks"][-1] == "100 %"
    panel = next(p for p in response.context["drilldown"].panels if p.budget)
    assert panel.budget.rows[0] == ["2026-01", "-900 %", "-900 %"]


def test_an_indicator_without_slo_has_no_budget_chart(world, bob):
    panels = page(bob, "/dashboards/services/payments-api/").context["drilldown"].panels
    latency = next(p for p in panels if p.indicator.name == "Latency")
    assert latency.slo is None and latency.budget is None
    assert [s.label for s in latency.attainment.series] == ["Attainment", "SLA 99 % (Globex)"]


def test_credits_by_month_are_the_services_signed_lines(world, bob):
    response = page(bob, "/dashboards/services/payments-api/")
    chart = chart_data(response)["credits"]
    assert chart["bars"] and chart["title"] == "Credits owed per month"
    assert chart["series"] == {
        "EUR": [("2026-01", 200), ("2026-02", 150), ("2026-03", 0), ("2026-04", 0)]
    }
    assert chart["legend"] == ["EUR"]
    assert chart["ticks"][0] == "0.00" and len(set(chart["ticks"])) == len(chart["ticks"])
    assert response.context["drilldown"].credits_chart.rows[0] == ["2026-01", "200.00"]


def test_the_customer_page_shows_its_indicators_and_credits(world, carol):
    globex = world.customers["globex"].pk
    response = page(carol, f"/dashboards/customers/{globex}/")
    drilldown = response.context["drilldown"]
    assert [(p.indicator.service.name, p.indicator.name) for p in drilldown.panels] == [
        ("Payments API", "Latency"),
        ("Search API", "Availability"),
    ]
    search = next(p for p in drilldown.panels if p.slo is not None)
    assert search.attainment.rows[0][:3] == ["2026-01", "99 %", "missed"]
    charts = chart_data(response)
    assert values(charts["credits"]["series"]["USD"]) == [200, 0, 0, 0]
    # Every indicator has its attainment chart; only the one with an SLO a burn-down.
    assert len([c for c in charts if c.startswith("attainment-")]) == 2
    assert [c for c in charts if c.startswith("budget-")] == [f"budget-{search.indicator.pk}"]
    assert {line.contract.number for line in drilldown.lines} == {"GLOBEX-1", "GLOBEX-2"}


def test_a_past_year_shows_twelve_months(world, bob):
    response = page(bob, "/dashboards/services/payments-api/?year=2025")
    panel = response.context["drilldown"].panels[0]
    assert len(panel.attainment.labels) == 12
    assert {row[1] for row in panel.attainment.rows} == {"no data"}


def test_each_table_exports_as_csv(world, bob):
    browser = client_as(bob)
    response = page(bob, "/dashboards/services/payments-api/")
    for chart_id in chart_data(response):
        exported = browser.get(f"/dashboards/services/payments-api/?format=csv&table={chart_id}")
        table = list(csv.reader(io.StringIO(exported.content.decode())))
        drilldown = response.context["drilldown"]
        charts = {p.attainment.id: p.attainment for p in drilldown.panels}
        charts |= {p.budget.id: p.budget for p in drilldown.panels if p.budget}
        charts["credits"] = drilldown.credits_chart
        assert table == [charts[chart_id].columns, *charts[chart_id].rows]
    lines = browser.get("/dashboards/services/payments-api/?format=csv&table=lines")
    table = list(csv.reader(io.StringIO(lines.content.decode())))
    assert {len(row) for row in table} == {len(table[0])}
    assert sorted(row[0] for row in table[1:]) == [
        "ACME-1",
        "ACME-1",
        "ACME-2",
        "ACME-5",
        "GLOBEX-2",
    ]


def test_the_charts_are_drawn_on_the_server_without_script_or_cdn(world, bob):
    text = page(bob, "/dashboards/services/payments-api/").text
    assert "chart.umd.min.js" not in text and "<canvas" not in text
    assert not re.search(r'src="(https?:)?//', text)


def test_an_unknown_service_is_404(world, bob):
    assert client_as(bob).get("/dashboards/services/nope/").status_code == 404


def test_the_lines_table_writes_verdicts_in_words_and_its_csv_keeps_the_codes(world, bob):
    html = page(bob, "/dashboards/services/payments-api/").text
    exported = client_as(bob).get("/dashboards/services/payments-api/?format=csv&table=lines")
    table = list(csv.reader(io.StringIO(exported.content.decode())))

    assert "<td>NO SLO</td>" in html
    assert "NO_SLO" not in html.split('id="lines-heading"')[1]
    verdicts = {row[0]: row[table[0].index("verdict")] for row in table[1:]}
    assert verdicts["GLOBEX-2"] == "NO_SLO"
