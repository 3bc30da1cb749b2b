"""The drill-down dashboards (per service, per customer): monthly attainment against the SLO and
every SLA target, the SLO's error budget burning down over the year, and credits owed per month.

Each chart is plain data (labels, series) drawn as inline SVG by ``apps.core.charts`` and also
written as a table beside the chart. A fixed number of queries: the rows, then one GROUP BY over
the samples per timezone in play, then the credits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from apps.catalog.models import Indicator
from apps.contracts.choices import ContractStatus
from apps.contracts.models import Commitment
from apps.core import charts as svg
from apps.core.formatting import amount, budget_left, money, percent
from apps.measurements import maths
from apps.reviews.selectors import monthly_counts
from apps.slos.alignment import fmt
from apps.slos.choices import BudgetingMethod, SloStatus
from apps.slos.models import SLO

from .filters import Filters
from .selectors import CreditsOwed, credits_owed


@dataclass
class Series:
    label: str
    values: list[Decimal | None]
    style: str = "measured"  # or "slo", "sla", "floor": flat reference lines


@dataclass
class Chart:
    """A chart and the table that says the same thing."""

    id: str
    title: str
    kind: str  # "line" or "bar"
    labels: list[str]
    series: list[Series] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    description: str = ""
    missed_below: Decimal | None = None
    scale: svg.Scale | None = None

    @cached_property
    def svg(self) -> SafeString:
        """The chart as inline SVG (apps.core.charts escapes every text it writes)."""
        measured = [s for s in self.series if s.style == "measured"]
        common = {
            "chart_id": f"chart-{self.id}",
            "title": self.title,
            "description": f"{self.description} The table beside the chart has the exact figures.",
            "labels": self.labels,
            "series": [
                svg.Series(s.label, s.values, svg.BARS[i % len(svg.BARS)])
                for i, s in enumerate(measured)
            ],
        }
        if self.kind == "bar":
            return mark_safe(svg.bar_chart(**common, tick_text=svg.amount_tick, value_text=money))
        flat = [s for s in self.series if s.values and s.style != "measured"]
        references = svg.target_references([(s.label, s.values[0], s.style) for s in flat])
        shown = [v for s in measured for v in s.values] + [r.value for r in references]
        return mark_safe(
            svg.line_chart(
                **common,
                references=references,
                scale_=self.scale or svg.percent_scale(shown),
                tick_text=svg.percent_tick,
                value_text=percent,
                missed_below=self.missed_below,
            )
        )


@dataclass(frozen=True)
class Panel:
    """One indicator: its SLO (if any), the SLA lines on it, and its charts."""

    indicator: Indicator
    slo: SLO | None
    lines: list[Commitment]
    attainment: Chart
    budget: Chart | None

    @property
    def slo_target(self) -> str:
        return fmt(self.slo.target) if self.slo else ""


def months_shown(year: int, today: date) -> list[date]:
    """The year's months up to the current one (all twelve for a past year)."""
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    return [date(year, month, 1) for month in range(1, last + 1)]


def _slo_key(slo: SLO | None, indicator_id: int):
    if slo is None:
        return (indicator_id, "UTC", None)
    timeslices = slo.budgeting_method == BudgetingMethod.TIMESLICES
    return (indicator_id, slo.timezone or "UTC", slo.timeslice_target if timeslices else None)


def _attainment_chart(indicator, slo, lines, counts, months) -> Chart:
    labels = [f"{m:%Y-%m}" for m in months]
    attained = [maths.attainment(c.good, c.total) for c in counts[: len(months)]]
    chart = Chart(
        id=f"attainment-{indicator.pk}",
        title=f"{indicator.name}: monthly attainment",
        kind="line",
        labels=labels,
        series=[Series("Attainment", attained)],
        columns=["Month", "Attainment"],
        missed_below=Decimal(slo.target) if slo else None,
    )
    targets = []
    if slo is not None:
        targets.append((f"SLO {fmt(slo.target)} %", Decimal(slo.target), "slo"))
    by_target: dict[Decimal, list[str]] = defaultdict(list)
    for line in lines:
        by_target[Decimal(line.target)].append(line.contract.customer.name)
    for target, customers in sorted(by_target.items(), reverse=True):
        names = ", ".join(sorted(set(customers)))
        targets.append((f"SLA {fmt(target)} % ({names})", target, "sla"))
    for label, target, style in targets:
        chart.series.append(Series(label, [target] * len(months), style))
        chart.columns.append(label)
    chart.description = (
        f"Attainment per month, {_span(labels)}, against "
        + (", ".join(label for label, _, _ in targets) or "no target")
        + (". Red points missed the SLO." if slo else ".")
    )
    for index, value in enumerate(attained):
        chart.rows.append(
            [labels[index], percent(value)]
            + [
                ("met" if value >= target else "missed") if value is not None else "no data"
                for _, target, _ in targets
            ]
        )
    return chart


OVERSPENT_FLOOR = Decimal(-100)


def _span(labels: list[str]) -> str:
    return f"{labels[0]} to {labels[-1]}" if labels else "no month yet"


def _share(remaining: Decimal | None) -> Decimal | None:
    """Budget left as a percentage of the budget; None when unknown or infinite (a 100 % SLO
    has no budget: one bad event spends it all, as the table says)."""
    if remaining is None or not remaining.is_finite():
        return None
    return remaining * 100


def _budget_chart(indicator, slo, counts, months) -> Chart:
    """The error budget of the year so far, burning down month by month (what the months up to
    each one left of the budget their events allowed), beside each month's own budget left."""
    labels = [f"{m:%Y-%m}" for m in months]
    month_left, year_left = [], []
    good = total = 0
    for c in counts[: len(months)]:
        good, total = good + c.good, total + c.total
        month_left.append(maths.budget_remaining(maths.attainment(c.good, c.total), slo.target))
        year_left.append(maths.budget_remaining(maths.attainment(good, total), slo.target))
    burn = [_share(r) for r in year_left]
    shown = [v for v in burn + [_share(r) for r in month_left] if v is not None]
    return Chart(
        id=f"budget-{indicator.pk}",
        title=f"{indicator.name}: error budget burn-down (SLO {fmt(slo.target)} %)",
        kind="line",
        labels=labels,
        series=[
            Series("Budget left, year to date", burn),
            Series("Budget left in the month", [_share(r) for r in month_left]),
            Series("Budget spent", [Decimal(0)] * len(months), "floor"),
        ],
        columns=["Month", "Budget left, year to date", "Budget left in the month"],
        rows=[
            [label, budget_left(year), budget_left(month)]
            for label, year, month in zip(labels, year_left, month_left, strict=True)
        ],
        description=(
            f"Share of the error budget left, {_span(labels)}: over the year so far (the "
            "burn-down) and within each month; below zero the budget is overspent, and below "
            "-100 % the point is drawn hollow on the floor of the chart."
        ),
        # Below twice the budget overspent the points sit on the axis' floor: a month at 90 %
        # against 99.9 % (-9900 %) would otherwise flatten every other month; the table is exact.
        scale=svg.scale(
            max(min([Decimal(0), *shown]), OVERSPENT_FLOOR), max([Decimal(100), *shown])
        ),
    )


def credits_chart(owed_credits: CreditsOwed, months: list[date], chart_id: str) -> Chart:
    """Credits owed per month (a quarter's credit shows on its first month), per currency."""
    labels = [f"{m:%Y-%m}" for m in months]
    currencies = owed_credits.currencies
    chart = Chart(
        id=chart_id,
        title="Credits owed per month",
        kind="bar",
        labels=labels,
        columns=["Month", *currencies],
        description=(
            f"Credits owed per month and currency, {_span(labels)}; "
            "a quarter's credit shows on its first month."
        ),
    )
    for currency in currencies:
        values = [owed_credits.by_period.get((m, currency), Decimal(0)) for m in months]
        chart.series.append(Series(currency, values))
    for index, month in enumerate(months):
        chart.rows.append(
            [
                labels[index],
                *(amount(owed_credits.by_period.get((month, c), Decimal(0))) for c in currencies),
            ]
        )
    return chart


def _panels(indicators, slos_by_indicator, lines_by_indicator, year, months) -> list[Panel]:
    wanted = {_slo_key(slos_by_indicator.get(i.pk), i.pk) for i in indicators}
    counts = monthly_counts(year, wanted) if wanted and months else {}
    panels = []
    for indicator in indicators:
        slo = slos_by_indicator.get(indicator.pk)
        series = counts.get(_slo_key(slo, indicator.pk), [])
        lines = lines_by_indicator.get(indicator.pk, [])
        panels.append(
            Panel(
                indicator=indicator,
                slo=slo,
                lines=lines,
                attainment=_attainment_chart(indicator, slo, lines, series, months),
                budget=_budget_chart(indicator, slo, series, months) if slo else None,
            )
        )
    return panels


def _active_slos(indicator_ids) -> dict[int, SLO]:
    slos = SLO.objects.filter(status=SloStatus.ACTIVE, indicator_id__in=indicator_ids)
    return {slo.indicator_id: slo for slo in slos}


def _signed_of(**scope) -> QuerySet[Commitment]:
    return Commitment.objects.filter(contract__status=ContractStatus.SIGNED, **scope)


def _signed(lines: QuerySet) -> list[Commitment]:
    return list(
        lines.select_related("contract__customer", "indicator__service__team").order_by(
            "indicator_id", "-target", "contract__number"
        )
    )


@dataclass(frozen=True)
class Drilldown:
    """Everything a drill-down page shows."""

    year: int
    panels: list[Panel]
    credits: CreditsOwed
    credits_chart: Chart
    lines: list[Commitment]


def service_drilldown(service, year: int, now: datetime | None = None) -> Drilldown:
    """The service's indicators with an active SLO or signed SLA lines."""
    now = now or timezone.now()
    months = months_shown(year, timezone.localdate(now))
    lines = _signed(_signed_of(indicator__service=service))
    by_indicator = defaultdict(list)
    for line in lines:
        by_indicator[line.indicator_id].append(line)
    indicators = list(Indicator.objects.filter(service=service).order_by("name", "id"))
    slos = _active_slos([i.pk for i in indicators])
    shown = [i for i in indicators if i.pk in slos or i.pk in by_indicator]
    owed_credits = credits_owed(
        Filters(year=year), now, lines=_signed_of(indicator__service=service)
    )
    return Drilldown(
        year,
        _panels(shown, slos, by_indicator, year, months),
        owed_credits,
        credits_chart(owed_credits, months, "credits"),
        lines,
    )


def customer_drilldown(customer, year: int, now: datetime | None = None) -> Drilldown:
    """The indicators the customer's signed SLA lines are on."""
    now = now or timezone.now()
    months = months_shown(year, timezone.localdate(now))
    lines = _signed(_signed_of(contract__customer=customer))
    by_indicator = defaultdict(list)
    indicators = {}
    for line in lines:
        by_indicator[line.indicator_id].append(line)
        indicators[line.indicator_id] = line.indicator
    slos = _active_slos(list(indicators))
    owed_credits = credits_owed(
        Filters(year=year), now, lines=_signed_of(contract__customer=customer)
    )
    ordered = sorted(indicators.values(), key=lambda i: (i.service.name, i.name, i.pk))
    return Drilldown(
        year,
        _panels(ordered, slos, by_indicator, year, months),
        owed_credits,
        credits_chart(owed_credits, months, "credits"),
        lines,
    )
