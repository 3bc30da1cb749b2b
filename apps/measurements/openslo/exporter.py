"""Write one service's catalog as OpenSLO v1: a Service, its SLIs and its SLOs (not retired).

The output imports back to the same rows (see importer.py): what OpenSLO has no field for (an
indicator's kind, threshold, unit and push source; a rolling SLO's time zone) travels in
``covenant/…`` annotations, which the OpenSLO spec reserves for implementations.
"""

from __future__ import annotations

from decimal import Decimal

import yaml
from django.db.models import Case, IntegerField, Value, When

from apps.catalog.choices import IndicatorSource
from apps.catalog.models import Service
from apps.slos.choices import BudgetingMethod, SloStatus, SloWindow
from apps.slos.models import SLO

from ..prometheus import DEFAULT_STEP_SECONDS
from .documents import ANNOTATION_PREFIX, API_VERSION, PUSHED_SOURCE_TYPE
from .names import indicator_names, slo_names

ROLLING = {SloWindow.ROLLING_7D: "7d", SloWindow.ROLLING_28D: "28d", SloWindow.ROLLING_30D: "30d"}
CALENDAR = {SloWindow.MONTH: "1M", SloWindow.QUARTER: "1Q"}
# Any first day of a quarter at midnight: the start the importer accepts without a warning.
CALENDAR_START = "2024-01-01 00:00:00"


class _WrittenOutDumper(yaml.SafeDumper):
    """Writes a value shared between documents out each time: the importer refuses aliases."""

    def ignore_aliases(self, data):
        return True


def _number(value: Decimal) -> float | int:
    """A YAML number from a Decimal, with no trailing zeros (0.999, not 0.9990000)."""
    normalized = value.normalize()
    return int(normalized) if normalized == normalized.to_integral() else float(normalized)


def _document(kind: str, name: str, display_name: str = "", **metadata) -> dict:
    meta = {"name": name}
    if display_name:
        meta["displayName"] = display_name
    meta.update({key: value for key, value in metadata.items() if value})
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": meta, "spec": {}}


def _annotations(**values) -> dict:
    return {
        f"{ANNOTATION_PREFIX}{key}": str(value)
        for key, value in values.items()
        if value not in (None, "")
    }


def _metric(source_type: str, query: str | None) -> dict:
    metric = {"type": source_type}
    if query is not None:
        metric["spec"] = {"query": query}
    return {"metricSource": metric}


def _indicator_document(indicator, name: str, service: Service) -> dict:
    threshold = _number(indicator.threshold) if indicator.threshold is not None else None
    prometheus = indicator.source == IndicatorSource.PROMETHEUS
    document = _document(
        "SLI",
        name,
        indicator.name,
        annotations=_annotations(
            service=service.slug,
            kind=indicator.kind,
            threshold=threshold,
            unit=indicator.unit,
            source=None if prometheus else indicator.source,
        ),
    )
    if prometheus:
        good, total = (
            _metric("Prometheus", indicator.good_query),
            _metric("Prometheus", indicator.total_query),
        )
    else:
        good = total = _metric(PUSHED_SOURCE_TYPE, None)
    document["spec"] = {"ratioMetric": {"counter": False, "good": good, "total": total}}
    if indicator.is_support:
        _add_support_terms(document["metadata"], indicator)
    return document


def _add_support_terms(metadata: dict, indicator) -> None:
    """A support indicator's clock rules, which OpenSLO has no fields for: the
    priority as a label (so tools can select the matrix by it), the rest as annotations."""
    metadata["labels"] = {"priority": indicator.priority or ""}
    pause_on = indicator.pause_on or []
    metadata.setdefault("annotations", {}).update(
        _annotations(
            calendar=indicator.calendar.name if indicator.calendar_id else "24x7",
            **{
                "pause-on": ",".join(pause_on) or "none",
                "on-reopen": indicator.on_reopen,
                "retroactive-start": "true" if indicator.retroactive_start else "false",
            },
        )
    )


def _time_window(slo: SLO) -> dict:
    if slo.window in ROLLING:
        return {"duration": ROLLING[slo.window], "isRolling": True}
    return {
        "duration": CALENDAR[slo.window],
        "calendar": {"startTime": CALENDAR_START, "timeZone": slo.timezone},
        "isRolling": False,
    }


def _slo_document(slo: SLO, name: str, indicator_name: str, service: Service) -> dict:
    rolling = slo.window in ROLLING
    document = _document(
        "SLO",
        name,
        slo.name if slo.name and slo.name != name else "",
        annotations=_annotations(
            timezone=slo.timezone if rolling and slo.timezone != "UTC" else None
        ),
    )
    objective = {"target": _number(slo.target / 100)}
    method = "Occurrences"
    if slo.budgeting_method == BudgetingMethod.TIMESLICES:
        method = "Timeslices"
        objective["timeSliceTarget"] = _number(slo.timeslice_target / 100)
        objective["timeSliceWindow"] = f"{DEFAULT_STEP_SECONDS // 60}m"
    spec = {}
    if slo.description:
        spec["description"] = slo.description
    spec.update(
        service=service.slug,
        indicatorRef=indicator_name,
        timeWindow=[_time_window(slo)],
        budgetingMethod=method,
        objectives=[objective],
    )
    document["spec"] = spec
    return document


def openslo_export(*, service: Service) -> str:
    """The service, its indicators and its draft and active SLOs as OpenSLO v1 YAML documents.

    Active SLOs come first, so that importing the file elsewhere activates the same ones.
    """
    service_document = _document("Service", service.slug, service.name)
    service_document["metadata"]["labels"] = {"team": service.team.name}
    service_document["spec"] = {"description": service.description} if service.description else {}
    indicators = list(service.indicators.select_related("calendar"))
    indicator_name = indicator_names(indicators)
    every_slo = list(
        SLO.objects.filter(indicator__service=service).select_related("indicator").order_by("pk")
    )
    names = slo_names(every_slo)
    exported = (
        SLO.objects.filter(indicator__service=service)
        .exclude(status=SloStatus.RETIRED)
        .select_related("indicator")
        .annotate(
            active_first=Case(
                When(status=SloStatus.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("active_first", "pk")
    )
    by_pk = {slo.pk: name for slo, name in names.items()}
    documents = [service_document]
    documents += [
        _indicator_document(indicator, indicator_name[indicator], service)
        for indicator in sorted(indicators, key=lambda indicator: indicator.pk)
    ]
    documents += [
        _slo_document(slo, by_pk[slo.pk], indicator_name[slo.indicator], service)
        for slo in exported
    ]
    return yaml.dump_all(
        documents, Dumper=_WrittenOutDumper, sort_keys=False, allow_unicode=True, width=100
    )
