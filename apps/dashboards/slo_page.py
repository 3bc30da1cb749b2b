"""The SLO page: monthly attainment, budget, burn rates, alerts and the SLA lines it backs."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from apps.contracts.choices import OPEN_STATES, ContractStatus
from apps.contracts.models import Commitment
from apps.contracts.policies import visible_contracts
from apps.core.formatting import percent, trimmed
from apps.measurements import maths
from apps.measurements.risk import full_periods_bounds, period_label, slo_period, slo_risks
from apps.measurements.selectors import period_timeslices, period_totals, slo_status
from apps.slos.alignment import fmt
from apps.slos.choices import BudgetingMethod
from apps.slos.models import SLO

# Contracts whose SLA lines the SLO must back: signed ones and those on their way.
BACKED_STATES = sorted({*OPEN_STATES, ContractStatus.SIGNED})
CHART_MONTHS = 12


# --- the SLO page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartLine:
    label: str
    y: float
    dashed: bool


@dataclass(frozen=True)
class Chart:
    """Monthly attainment against the SLO and SLA targets, in SVG coordinates."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: list[tuple[float, float, str, bool]]
    polyline: str
    lines: list[ChartLine]
    x_labels: list[tuple[float, str]]
    y_labels: list[tuple[float, str]]


def axis_ticks(low: Decimal, high: Decimal, wanted: int = 5) -> list[Decimal]:
    """Round values for the y axis between ``low`` and ``high``: multiples of a step of 1, 2 or
    5 times a power of ten, as near ``wanted`` of them as such a step gives. Each is written
    exactly, so no two read alike (three significant figures printed 99.96 and 99.98 as "100")."""
    span = high - low
    raw = span / wanted
    step = min(
        (Decimal(m).scaleb(raw.adjusted()) for m in (1, 2, 5, 10)),
        key=lambda candidate: abs(span / candidate - wanted),
    )
    tick = (low / step).to_integral_value(rounding=ROUND_CEILING) * step
    ticks = []
    while tick <= high:
        ticks.append(tick)
        tick += step
    return ticks


def attainment_chart(
    months: list[tuple[date, Decimal | None]],
    slo_target: Decimal,
    sla_targets: list[tuple[str, Decimal]],
) -> Chart:
    """Lay out the chart: the y axis spans the lowest figure shown (with room) to 100 %."""
    width, height, left, right, top, bottom = 720, 260, 56, 150, 12, 28
    figures = [a for _, a in months if a is not None] + [slo_target] + [t for _, t in sla_targets]
    floor = min(figures)
    span = max(Decimal(100) - floor, Decimal("0.05")) * Decimal("1.15")
    low = max(Decimal(100) - span, Decimal(0))
    plot_w, plot_h = width - left - right, height - top - bottom

    def y_of(value: Decimal) -> float:
        return round(top + float((Decimal(100) - value) / (Decimal(100) - low)) * plot_h, 1)

    step = plot_w / max(len(months) - 1, 1)
    points = []
    for index, (_start, attainment) in enumerate(months):
        if attainment is not None:
            x = round(left + index * step, 1)
            points.append((x, y_of(attainment), percent(attainment), attainment < slo_target))
    lines = [ChartLine(f"SLO {fmt(slo_target)} %", y_of(slo_target), False)]
    lines += [ChartLine(f"{name} {fmt(t)} %", y_of(t), True) for name, t in sla_targets]
    y_labels = [(y_of(tick), trimmed(tick)) for tick in axis_ticks(low, Decimal(100))]
    return Chart(
        width,
        height,
        left,
        width - right,
        top,
        height - bottom,
        points,
        " ".join(f"{x},{y}" for x, y, _, _ in points),
        lines,
        [(round(left + i * step, 1), f"{start:%b %y}") for i, (start, _) in enumerate(months)],
        y_labels,
    )


def _share(value: Decimal | None) -> str:
    if value is None:
        return "no data"
    if not value.is_finite():
        return "−∞ %" if value < 0 else "∞ %"
    return f"{fmt((value * 100).quantize(Decimal('0.1'), rounding=ROUND_FLOOR))} %"


def _rate(value: Decimal | None) -> str:
    if value is None:
        return "no data"
    return "∞" if not value.is_finite() else f"{value.quantize(Decimal('0.01'))}"


@login_required
def slo_detail(request, pk: int):
    """One SLO: monthly attainment, budget, burn rates, open alerts and the SLAs it backs.

    Seven queries whatever the history: the SLO, one GROUP BY for the months, one conditional
    aggregation for the status, the SLA lines, and AT_RISK (two).
    """
    if not request.user.has_perm("slos.view_slo"):
        raise PermissionDenied("You may not read SLOs.")
    slo = get_object_or_404(SLO.objects.select_related("indicator__service__team"), pk=pk)
    now = timezone.now()
    zone = zoneinfo.ZoneInfo(slo.timezone or "UTC")
    # The last 12 full months and the current one, in the SLO's calendar.
    start, _ = full_periods_bounds("month", CHART_MONTHS - 1, now, slo.timezone)
    if slo.budgeting_method == BudgetingMethod.TIMESLICES:
        months = period_timeslices(
            [slo.indicator_id], "month", start, now, slo.timeslice_target, tz=str(zone)
        )[slo.indicator_id]
    else:
        months = period_totals([slo.indicator_id], "month", start, now, tz=str(zone))[
            slo.indicator_id
        ]
    status = slo_status(slo, now)
    lines = list(
        # Only the SLA lines of contracts this user may see.
        Commitment.objects.filter(
            indicator_id=slo.indicator_id,
            contract__status__in=BACKED_STATES,
            contract__in=visible_contracts(request.user),
        )
        .select_related("contract__customer")
        .order_by("-target", "contract__number")
    )
    risk = slo_risks([slo], at=now)[slo.pk]
    sla_targets = sorted({(line.target, line.contract.customer.name) for line in lines})
    chart = attainment_chart(
        [(p.period_start, p.attainment) for p in months],
        slo.target,
        [(f"SLA {name}", target) for target, name in reversed(sla_targets)],
    )
    table = [
        {
            "label": period_label(p.period_start, "month"),
            "attainment": percent(p.attainment),
            "missed": p.attainment is not None and p.attainment < slo.target,
            "budget": _share(maths.budget_remaining(p.attainment, slo.target)),
            "current": index == len(months) - 1,
        }
        for index, p in enumerate(months)
    ]
    return render(
        request,
        "dashboards/slo_detail.html",
        {
            "slo": slo,
            "period": slo_period(slo),
            "status": status,
            "attainment": percent(status.attainment),
            "budget_remaining": _share(status.budget_remaining),
            "burn_rates": [(name, _rate(value)) for name, value in status.burn_rates.items()],
            "alerts": status.alerts,
            "months": table,
            "chart": chart,
            "lines": [(line, fmt(line.target)) for line in lines],
            "slo_target": fmt(slo.target),
            "risk": risk,
        },
    )
