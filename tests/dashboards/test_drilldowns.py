"""The per service and per customer dashboards: charts, the tables beside them, their CSV."""

import csv
import io
import json
import re

import pytest

from tests.web.helpers import client_as

pytestmark = pytest.mark.django_db


def page(user, url):
    response = client_as(user).get(url)
    assert response.status_code == 200, response.content[:500]
    return response


def chart_data(response) -> dict:
    found = re.search(
        r'<script id="dashboard-charts" type="application/json">(.*?)</script>', response.text
    )
    return json.loads(found[1])


def test_the_service_page_charts_attainment_against_the_slo_and_every_sla_target(world, bob):
    response = page(bob, "/dashboards/services/payments-api/")
    pay = world.lines["L1"].indicator_id
    chart = chart_data(response)[f"attainment-{pay}"]
    assert chart["labels"] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    series = {s["label"]: (s["style"], s["values"]) for s in chart["series"]}
    assert series["Attainment"] == ("measured", [99.95, 99.92, 100.0, 100.0])
    assert series["SLO 99.9 %"] == ("slo", [99.9] * 4)
    assert series["SLA 99.95 % (Acme)"] == ("sla", [99.95] * 4)
    assert series["SLA 99.8 % (Acme)"] == ("sla", [99.8] * 4)
    assert len(series) == 4  # the draft and in-review lines are not SLAs yet


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


def test_budget_burn_shows_the_share_of_each_months_budget_left(world, bob):
    response = page(bob, "/dashboards/services/payments-api/")
    pay = world.lines["L1"].indicator_id
    chart = chart_data(response)[f"budget-{pay}"]
    assert chart["series"][0]["values"] == [50.0, 20.0, 100.0, 100.0]
    panel = response.context["drilldown"].panels[0]
    assert [row[1] for row in panel.budget.rows] == ["50 %", "20 %", "100 %", "100 %"]


def test_an_indicator_without_slo_has_no_budget_chart(world, bob):
    panels = page(bob, "/dashboards/services/payments-api/").context["drilldown"].panels
    latency = next(p for p in panels if p.indicator.name == "Latency")
    assert latency.slo is None and latency.budget is None
    assert [s.label for s in latency.attainment.series] == ["Attainment", "SLA 99 % (Globex)"]


def test_credits_by_month_are_the_services_signed_lines(world, bob):
    response = page(bob, "/dashboards/services/payments-api/")
    chart = chart_data(response)["credits"]
    assert chart["kind"] == "bar"
    assert [(s["label"], s["values"]) for s in chart["series"]] == [
        ("EUR", [200.0, 150.0, 0.0, 0.0])
    ]


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
    assert chart_data(response)["credits"]["series"] == [
        {"label": "USD", "values": [200.0, 0.0, 0.0, 0.0], "style": "measured"}
    ]
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


def test_the_page_loads_the_vendored_chart_library_and_no_cdn(world, bob):
    text = page(bob, "/dashboards/services/payments-api/").text
    assert "/static/vendor/chartjs/chart.umd.min.js" in text
    assert "/static/js/dashboards.js" in text
    assert not re.search(r'src="(https?:)?//', text)


def test_an_unknown_service_is_404(world, bob):
    assert client_as(bob).get("/dashboards/services/nope/").status_code == 404
