"""The SLO page: monthly attainment, budget, burn rates, alerts and the SLA lines it backs."""

from __future__ import annotations

import zoneinfo
from datetime import date
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from apps.contracts.choices import OPEN_STATES, ContractStatus
from apps.contracts.models import Commitment
from apps.contracts.policies import visible_contracts
from apps.core import charts as svg
from apps.core.formatting import budget_left, percent
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


def attainment_chart(
    months: list[tuple[date, Decimal | None]],
    slo_target: Decimal,
    sla_targets: list[tuple[str, Decimal]],
) -> SafeString:
    """The months' attainment against the SLO and the SLA targets, as inline SVG; the y axis
    spans the lowest figure shown (with room) to 100 %."""
    values = [attainment for _, attainment in months]
    targets = [(f"SLO {fmt(slo_target)} %", slo_target, "slo")]
    targets += [(f"{name} {fmt(t)} %", t, "sla") for name, t in sla_targets]
    references = svg.target_references(targets)
    # Safe: the chart helper escapes every text it puts into the SVG.
    return mark_safe(
        svg.line_chart(
            chart_id="slo-chart",
            title="Monthly attainment of the last 12 months against the SLO target and the SLA "
            "targets it backs",
            description="Attainment per month (red points missed the SLO), the SLO target and "
            "the SLA targets of signed and open contracts on this indicator. The table below "
            "has the exact figures.",
            labels=[f"{start:%b %y}" for start, _ in months],
            series=[svg.Series("Attainment", values)],
            references=references,
            scale_=svg.percent_scale([*values, *(r.value for r in references)]),
            tick_text=svg.percent_tick,
            value_text=percent,
            missed_below=slo_target,
            width=720,
        )
    )


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
            "budget": budget_left(maths.budget_remaining(p.attainment, slo.target)),
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
            "budget_remaining": budget_left(status.budget_remaining),
            "burn_rates": [(name, _rate(value)) for name, value in status.burn_rates.items()],
            "alerts": status.alerts,
            "months": table,
            "chart": chart,
            "lines": [(line, fmt(line.target)) for line in lines],
            "slo_target": fmt(slo.target),
            "risk": risk,
        },
    )
