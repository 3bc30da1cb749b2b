"""The sales form's backtest preview: an HTML fragment beside a commitment line saying what the
SLI history says about the target typed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from apps.core.formatting import money, percent
from apps.measurements.risk import period_label
from apps.slos.alignment import fmt

from . import schedule_fit
from .api_backtest import BacktestInputSerializer, backtest_report, may_backtest
from .credits import Tier

PREVIEW_PARAMS = (
    "indicator",
    "target",
    "period",
    "credit_schedule",
    "monthly_fee",
    "start",
    "end",
    "timezone",
)


def _tiers(data: dict) -> tuple[list[Tier], object]:
    """The tiers and cap the backtest priced with: a stored schedule's or those typed."""
    schedule = data.get("credit_schedule")
    if schedule is not None:
        return schedule.as_tiers(), schedule.cap_percent
    return [Tier(**tier) for tier in data.get("tiers") or []], data.get("cap_percent")


@login_required
def backtest_preview(request):
    """An HTML fragment beside a commitment line: what history says about the target typed."""
    if not may_backtest(request.user):
        return render(
            request,
            "contracts/backtest_preview.html",
            {"problems": ["You may not see backtests."]},
            status=403,
        )
    params = {name: request.GET[name].strip() for name in PREVIEW_PARAMS if request.GET.get(name)}
    serializer = BacktestInputSerializer(data=params)
    if not serializer.is_valid():
        problems = [
            f"{name.replace('_', ' ')}: {' '.join(str(m) for m in messages)}"
            for name, messages in serializer.errors.items()
        ]
        return render(request, "contracts/backtest_preview.html", {"problems": problems})
    report = backtest_report(serializer.validated_data)
    currency = (request.GET.get("currency") or "EUR")[:3]
    result = report.result
    tiers, cap = _tiers(serializer.validated_data)
    rows = [
        {
            "label": period_label(p.start, report.period),
            "attainment": percent(p.attainment),
            "breached": p.breached,
            "breach_rule": schedule_fit.breach_rule(p.attainment, report.target),
            "credit": money(p.credit_amount, currency) if p.credit_amount else "",
            "credit_rule": (
                schedule_fit.credit_rule(tiers, p.attainment, cap) if p.credit_amount else ""
            ),
        }
        for p in result.periods
    ]
    return render(
        request,
        "contracts/backtest_preview.html",
        {
            "report": report,
            "target": fmt(report.target),
            "has_schedule": bool(
                serializer.validated_data.get("credit_schedule")
                or serializer.validated_data.get("tiers")
            ),
            "result": result,
            "rows": rows,
            "periods": len(result.periods),
            "total_credits": money(result.total_credits, currency),
            "annual_credits": money(result.expected_annual_credits, currency),
            "safest": None if result.safest_target is None else fmt(result.safest_target),
            "safe_maximum": None
            if report.alignment.safe_maximum is None
            else fmt(report.alignment.safe_maximum),
            "required": None
            if report.required_slo_target is None
            else fmt(report.required_slo_target),
            "slo_target": None
            if report.alignment.slo is None
            else fmt(report.alignment.slo.target),
            "needs_tighter_slo": report.alignment.slo is not None
            and report.required_slo_target is not None
            and report.alignment.slo.target < report.required_slo_target,
        },
    )
