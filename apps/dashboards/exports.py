"""CSV exports: every dashboard table as ``?format=csv``, with the page's filters applied.

Rows are the ones the page shows (all pages of a paginated list); money and percentages as
plain decimal text so that a spreadsheet reads them as numbers.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponse

from apps.core.downloads import attachment, csv_text


def wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def csv_response(filename: str, columns: list[str], rows: Iterable[Iterable]) -> HttpResponse:
    cells = (["" if value is None else value for value in row] for row in rows)
    return attachment(csv_text(columns, cells), "text/csv; charset=utf-8", f"{filename}.csv")


def portfolio_rows(figures, links: dict) -> list[list]:
    """The portfolio's figures as (figure, detail, value, unit, link) rows."""
    rows = [
        ["SLA lines by verdict", verdict, count, "lines", links["verdicts"][verdict]]
        for verdict, count in figures.verdicts
    ]
    for currency in figures.credits.currencies:
        rows.append(
            [
                f"Credits owed {figures.filters.label}",
                "",
                figures.credits.by_currency[currency],
                currency,
                links["credits"],
            ]
        )
    rows.append(["Lines owing credits", "", figures.credits.lines_owing, "lines", links["credits"]])
    for row in figures.exposure:
        rows.append(
            [
                "Exposure: monthly fees at risk",
                "",
                row.monthly_fees,
                row.currency,
                links["exposure"],
            ]
        )
        rows.append(
            [
                "Exposure: contracts at risk",
                row.currency,
                row.contracts,
                "contracts",
                links["exposure"],
            ]
        )
    waiting = figures.waiting
    rows += [
        ["Error budgets exhausted", "", figures.exhausted_slos, "SLOs", links["exhausted"]],
        ["SLOs at risk", "", figures.at_risk_slos, "SLOs", links["at_risk"]],
        ["Approvals waiting", "", waiting.count, "lines", links["waiting"]],
        ["Approvals waiting: oldest", "", _days(waiting.oldest), "days", links["waiting"]],
        ["Approvals waiting: median", "", _days(waiting.median), "days", links["waiting"]],
        ["Drifted lines", "", figures.drifted, "lines", links["drifted"]],
    ]
    for window, count in figures.renewals.items():
        rows.append(["Renewals", window, count, "contracts", links["renewals"][window]])
    review = figures.review
    if review.cycle is not None:
        rows.append(
            [
                f"Review {review.cycle.year}: packets ready",
                f"of {review.total}",
                review.ready,
                "packets",
                links["review"],
            ]
        )
    return rows


def _days(age) -> str | None:
    if age is None:
        return None
    return f"{age.total_seconds() / 86400:.1f}"
