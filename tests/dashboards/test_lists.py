"""Every portfolio figure links to a list of exactly the rows it counts, and every table
exports as CSV with the same rows and filters."""

import csv
import io
import re
from decimal import Decimal

import pytest

from tests.web.helpers import client_as

pytestmark = pytest.mark.django_db


def portfolio(user, query=""):
    response = client_as(user).get(f"/dashboards/?{query}")
    assert response.status_code == 200
    return response


def listed(user, url) -> list[list[str]]:
    """The rows of a list page (cells as shown), and check its CSV holds the same rows."""
    browser = client_as(user)
    response = browser.get(url)
    assert response.status_code == 200, response.content[:500]
    rows = [[_text(cell) for cell in cells] for _, cells in response.context["rows"]]
    exported = browser.get(f"{url}&format=csv")
    assert exported["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(exported.content.decode())))
    assert table[0] == list(response.context["columns"])
    assert table[1:] == rows
    return rows


def _text(value) -> str:
    return "" if value is None else str(value)


def numbers(rows) -> list[str]:
    return sorted(row[0] for row in rows)


def test_each_verdict_links_to_its_lines(world, dave):
    links = portfolio(dave).context["links"]["verdicts"]
    assert numbers(listed(dave, links["MISMATCH"])) == ["ACME-2", "ACME-4"]
    assert numbers(listed(dave, links["THIN"])) == ["ACME-3"]
    assert numbers(listed(dave, links["NO_SLO"])) == ["GLOBEX-2"]
    assert listed(dave, links["INCOMPARABLE"]) == []
    assert len(listed(dave, links["ALIGNED"])) == 7


def test_the_credits_figure_links_to_the_lines_owing_and_their_amounts(world, dave):
    response = portfolio(dave)
    rows = listed(dave, response.context["links"]["credits"])
    owed = {(row[0], row[6]): (row[8], row[9]) for row in rows}
    assert owed == {
        ("ACME-1", "Calendar month"): ("200.00", "EUR"),
        ("ACME-1", "Calendar quarter"): ("100.00", "EUR"),
        ("ACME-2", "Calendar month"): ("50.00", "EUR"),
        ("GLOBEX-1", "Calendar month"): ("200.00", "USD"),
    }
    assert sum(Decimal(a) for a, c in owed.values() if c == "EUR") == Decimal("350.00")
    page = client_as(dave).get(response.context["links"]["credits"]).text
    assert "Total: 350.00 EUR, 200.00 USD" in page


def test_the_exposure_figure_links_to_the_contracts_at_risk(world, dave):
    rows = listed(dave, portfolio(dave).context["links"]["exposure"])
    assert numbers(rows) == ["ACME-1", "ACME-2", "GLOBEX-1", "GLOBEX-2"]


def test_the_budget_figures_link_to_the_slos(world, dave):
    links = portfolio(dave).context["links"]
    exhausted = listed(dave, links["exhausted"])
    assert [(row[0], row[6]) for row in exhausted] == [("Search API", "yes")]
    assert "budget over its window" in exhausted[0][7]
    assert [row[0] for row in listed(dave, links["at_risk"])] == ["Search API"]


def test_approvals_waiting_link_to_the_undecided_lines_oldest_first(world, dave):
    rows = listed(dave, portfolio(dave).context["links"]["waiting"])
    assert [(row[0], row[10]) for row in rows] == [
        ("ACME-3", "10.0"),
        ("GLOBEX-3", "2.0"),
        ("GLOBEX-3", "2.0"),
    ]


def test_drifted_links_to_the_drifted_lines(world, dave):
    rows = listed(dave, portfolio(dave).context["links"]["drifted"])
    assert [(row[0], row[6]) for row in rows] == [("ACME-1", "Availability")]


def test_renewals_link_to_the_contracts_renewing_in_each_window(world, dave):
    links = portfolio(dave).context["links"]["renewals"]
    assert numbers(listed(dave, links["90d"])) == ["ACME-1"]
    assert numbers(listed(dave, links["12m"])) == ["ACME-1", "ACME-2", "GLOBEX-1"]


def test_figures_on_the_page_are_links_to_their_lists(world, dave):
    response = portfolio(dave)
    page = response.text
    links = response.context["links"]
    for url in [
        links["credits"],
        links["exposure"],
        links["exhausted"],
        links["waiting"],
        links["drifted"],
        links["renewals"]["90d"],
        links["renewals"]["12m"],
        links["review"],
        *links["verdicts"].values(),
    ]:
        assert f'href="{url.replace("&", "&amp;")}"' in page, url
    assert re.search(r'href="[^"]*credits[^"]*">350\.00 EUR</a>', page)
    assert re.search(r'href="[^"]*renewal=90d[^"]*">1</a>', page)


def test_lists_keep_the_portfolio_filters(world, dave):
    search = world.teams["search"].pk
    links = portfolio(dave, f"team={search}").context["links"]
    assert f"team={search}" in links["waiting"]
    assert numbers(listed(dave, links["waiting"])) == ["GLOBEX-3", "GLOBEX-3"]
    assert numbers(listed(dave, links["verdicts"]["ALIGNED"])) == [
        "GLOBEX-1",
        "GLOBEX-3",
        "GLOBEX-3",
    ]
    acme = world.customers["acme"].pk
    links = portfolio(dave, f"customer={acme}&quarter=1").context["links"]
    assert numbers(listed(dave, links["credits"])) == ["ACME-1", "ACME-1", "ACME-2"]


def test_the_portfolio_exports_its_figures_as_csv(world, dave):
    response = client_as(dave).get("/dashboards/?format=csv")
    table = list(csv.reader(io.StringIO(response.content.decode())))
    assert table[0] == ["figure", "detail", "value", "unit", "list"]
    values = {(row[0], row[1], row[3]): row[2] for row in table[1:]}
    assert values[("SLA lines by verdict", "MISMATCH", "lines")] == "2"
    assert values[("Credits owed 2026", "", "EUR")] == "350.00"
    assert values[("Credits owed 2026", "", "USD")] == "200.00"
    assert values[("Exposure: monthly fees at risk", "", "USD")] == "2300.00"
    assert values[("Approvals waiting: oldest", "", "days")] == "10.0"
    assert values[("Renewals", "12m", "contracts")] == "3"
    assert values[("Review 2025: packets ready", "of 3", "packets")] == "2"


def test_bad_filters_are_named_and_show_no_figures(world, dave):
    response = client_as(dave).get("/dashboards/?year=abc&team=99999")
    assert response.status_code == 400
    assert "year: Enter a whole number." in response.text
    assert "team: Select a valid choice." in response.text
    assert "figure-credits" not in response.text


def test_filter_options_are_escaped_and_keep_the_choice(world, dave):
    from tests.factories import CustomerFactory

    odd = CustomerFactory(name="<b>Bold & Co</b>")
    page = portfolio(dave, f"customer={odd.pk}").text
    assert f'<option value="{odd.pk}" selected>&lt;b&gt;Bold &amp; Co&lt;/b&gt;</option>' in page
    assert "<b>Bold" not in page
