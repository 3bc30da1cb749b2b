"""What a support report holds, worked out from the support metrics (``apps/support/metrics.py``,
the one place their rules live): the figures per priority over the period with the targets they
are held to, the breaches by cause, and the trend of each step of the period.

Everything is JSON-ready (str, int, float, None, list, dict): it is stored as the report's
``data`` and read back by the page, the PDF and the CSV.
"""

from __future__ import annotations

from decimal import Decimal

from apps.catalog.choices import SUPPORT_KINDS, IndicatorKind
from apps.contracts.choices import ContractStatus
from apps.contracts.models import Commitment
from apps.slos.choices import SloStatus
from apps.slos.models import SLO

from ..choices import SupportPriority
from ..metrics import MetricsFilter, breaches_by_cause_of, support_metrics
from ..report_models import ReportScope, SupportReport
from . import periods

METRIC_OF_KIND = {
    IndicatorKind.SUPPORT_RESPONSE: "response",
    IndicatorKind.SUPPORT_RESOLUTION: "resolution",
}


def _targets(report: SupportReport) -> dict[str, dict[str, str]]:
    """The share of tickets each priority's response and resolution must meet: the active SLOs
    on the service's support indicators, or the customer's signed lines on them; the strictest
    where there are several."""
    if report.scope == ReportScope.SERVICE:
        rows = SLO.objects.filter(
            indicator__service_id=report.service_id,
            indicator__kind__in=SUPPORT_KINDS,
            status=SloStatus.ACTIVE,
        )
    else:
        rows = Commitment.objects.filter(
            contract__customer_id=report.customer_id,
            contract__status=ContractStatus.SIGNED,
            indicator__kind__in=SUPPORT_KINDS,
        )
    targets: dict[str, dict[str, Decimal]] = {}
    for priority, kind, target in rows.values_list(
        "indicator__priority", "indicator__kind", "target"
    ):
        by_metric = targets.setdefault(priority, {})
        metric = METRIC_OF_KIND[kind]
        by_metric[metric] = max(by_metric.get(metric, target), target)
    return {
        priority: {metric: str(value) for metric, value in by_metric.items()}
        for priority, by_metric in targets.items()
    }


def _filter(report: SupportReport, start, end) -> MetricsFilter:
    return MetricsFilter(
        service=report.service_id if report.scope == ReportScope.SERVICE else None,
        customer=report.customer_id if report.scope == ReportScope.CUSTOMER else None,
        start=start,
        end=end,
    )


def _breaches(report: SupportReport) -> dict:
    key = (report.scope, report.service_id or report.customer_id)
    counts = breaches_by_cause_of(
        service_ids=[key[1]] if report.scope == ReportScope.SERVICE else [],
        customer_ids=[key[1]] if report.scope == ReportScope.CUSTOMER else [],
        start=report.period_start,
        end=report.period_end,
    ).get(key, [])
    causes: dict[str, int] = {}
    unanalysed = 0
    for row in counts:
        if row.cause is None:
            unanalysed += row.count
        else:
            causes[row.cause] = causes.get(row.cause, 0) + row.count
    return {
        "total": unanalysed + sum(causes.values()),
        "unanalysed": unanalysed,
        "causes": [
            {"cause": cause, "count": count}
            for cause, count in sorted(causes.items(), key=lambda item: (-item[1], item[0]))
        ],
    }


def report_data(report: SupportReport) -> dict:
    """The content of the report, from its kind, subject and period."""
    figures = support_metrics(_filter(report, report.period_start, report.period_end))
    targets = _targets(report)
    priorities = [
        {
            "priority": priority,
            **figures[priority],
            "response_target": targets.get(priority, {}).get("response"),
            "resolution_target": targets.get(priority, {}).get("resolution"),
        }
        for priority in SupportPriority.values
    ]
    trend = []
    for step in periods.steps(report.kind, report.period_start, report.period_end):
        step_figures = support_metrics(_filter(report, step.start, step.end))
        trend.append(
            {
                "label": step.label,
                "start": step.start.isoformat(),
                "end": step.end.isoformat(),
                "tickets": {p: f["tickets"] for p, f in step_figures.items()},
                "mttr_seconds": {p: f["mttr_seconds"] for p, f in step_figures.items()},
                "escalations": {p: f["escalations"] for p, f in step_figures.items()},
            }
        )
    subject = report.service if report.scope == ReportScope.SERVICE else report.customer
    return {
        "kind": report.kind,
        "scope": report.scope,
        "subject": {"id": subject.pk, "name": subject.name},
        "period": {"start": report.period_start.isoformat(), "end": report.period_end.isoformat()},
        "priorities": priorities,
        "breaches": _breaches(report),
        "trend": trend,
    }
