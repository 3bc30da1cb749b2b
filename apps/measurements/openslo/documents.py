"""OpenSLO v1 YAML → validated plain objects, every problem pointing at its line. No database.

The YAML is read with ``yaml.compose_all`` rather than ``safe_load`` so that every node keeps its
position: a problem reads "line 12: spec.objectives[0].target: must be in [0, 1)". All problems
of a file are collected before anything is reported, so one round trip fixes them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import yaml

from apps.catalog.choices import IndicatorKind, IndicatorSource

from .objectives import budgeting_method, objective, time_window, timezone_name
from .yamlview import BoundedLoader, Fields, OpenSLOError, Problem, Reader, View

API_VERSION = "openslo/v1"
IMPORTED_KINDS = ("Service", "SLI", "SLO")
SKIPPED_KINDS = ("AlertPolicy", "AlertCondition", "AlertNotificationTarget", "DataSource")
DESCRIPTION_MAX = 1050
# A catalog's worth of SLOs is tens of kilobytes; the bound keeps parsing a fraction of a second.
MAX_FILE_CHARS = 1024 * 1024
# Implementation annotations Covenant writes on export and reads back on import.
ANNOTATION_PREFIX = "covenant/"
# The metric source type Covenant exports for SLIs whose samples are pushed to it (API, CSV…).
PUSHED_SOURCE_TYPE = "Covenant"


@dataclass
class ServiceDoc:
    name: str
    display_name: str
    description: str
    teams: tuple[str, ...]
    team_line: int
    line: int


@dataclass
class IndicatorDoc:
    name: str
    display_name: str
    description: str
    source: str | None
    good_query: str
    total_query: str
    kind: str | None
    threshold: Decimal | None
    unit: str | None
    service: str | None
    line: int

    @property
    def label(self) -> str:
        return self.display_name or self.name


@dataclass
class SLODoc:
    name: str
    display_name: str
    description: str
    service: str
    teams: tuple[str, ...]
    team_line: int
    indicator: IndicatorDoc | None
    indicator_ref: str | None
    window: str
    timezone: str | None
    budgeting_method: str
    target: Decimal
    timeslice_target: Decimal | None
    line: int
    indicator_line: int


@dataclass
class Parsed:
    services: list[ServiceDoc] = field(default_factory=list)
    indicators: list[IndicatorDoc] = field(default_factory=list)
    slos: list[SLODoc] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


# --- documents ---------------------------------------------------------------------------------


def parse(text: str) -> Parsed:
    """Every document of an OpenSLO v1 file, validated; raises OpenSLOError listing problems.

    A file holds one or more YAML documents (``---``), and a document may also be a list of
    objects (as the OpenSLO tools write them). Kinds Covenant does not keep (alert policies,
    data sources…) are checked for a valid header and skipped with a warning.
    """
    reader = Reader()
    if len(text) > MAX_FILE_CHARS:
        raise OpenSLOError(
            [Problem(1, "", f"the file is larger than {MAX_FILE_CHARS} characters; split it")]
        )
    try:
        roots = [
            node
            for node in yaml.compose_all(text, Loader=BoundedLoader)
            if node is not None and not View(node, "", 0).is_null  # an empty document: "---"
        ]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise OpenSLOError([Problem(line, "", f"not valid YAML: {error.problem}")]) from error
    except yaml.YAMLError as error:
        raise OpenSLOError([Problem(1, "", f"not valid YAML: {error}")]) from error
    objects = []
    for root in roots:
        top = View(root, "", root.start_mark.line + 1)
        if isinstance(root, yaml.SequenceNode):
            objects.extend(View(item, "", item.start_mark.line + 1) for item in root.value)
        else:
            objects.append(top)
    parsed = Parsed()
    if not objects:
        reader.problems.append(Problem(1, "", "no OpenSLO documents in the file"))
    for view in objects:
        _object(reader, view, parsed)
    _check_unique_names(reader, parsed)
    parsed.warnings = reader.warnings
    if reader.problems:
        raise OpenSLOError(reader.problems, reader.warnings)
    return parsed


def _object(reader: Reader, view: View, parsed: Parsed) -> None:
    document = Fields.of(reader, view, ("apiVersion", "kind", "metadata", "spec"))
    if document is None:
        return
    api_version = document.string("apiVersion", required=True)
    if api_version and api_version != API_VERSION:
        reader.error(document.get("apiVersion"), f"must be {API_VERSION} (got {api_version!r})")
        return
    kind = document.string("kind", required=True)
    if kind and kind not in IMPORTED_KINDS + SKIPPED_KINDS:
        reader.error(
            document.get("kind"),
            f"{kind!r} is not an OpenSLO v1 kind ({', '.join(IMPORTED_KINDS + SKIPPED_KINDS)})",
        )
        return
    metadata = _metadata(reader, document.mapping("metadata", required=True))
    if not kind or metadata is None:
        return
    if kind in SKIPPED_KINDS:
        reader.warn(
            document.get("kind"),
            f"{kind} {metadata['name']!r} skipped: Covenant imports Service, SLI and SLO",
        )
        return
    spec = document.mapping("spec", required=True, known=_SPEC_FIELDS[kind])
    if spec is None:
        return
    if kind == "Service":
        parsed.services.append(
            ServiceDoc(
                name=metadata["name"],
                display_name=metadata["displayName"],
                description=spec.string("description", max_length=DESCRIPTION_MAX),
                teams=metadata["teams"],
                team_line=metadata["team_line"] or view.line,
                line=view.line,
            )
        )
    elif kind == "SLI":
        indicator = _indicator(reader, metadata, spec, line=view.line)
        if indicator:
            parsed.indicators.append(indicator)
    else:
        slo = _slo(reader, metadata, spec, line=view.line)
        if slo:
            parsed.slos.append(slo)


_SPEC_FIELDS = {
    "Service": ("description",),
    "SLI": ("description", "thresholdMetric", "ratioMetric"),
    "SLO": (
        "description",
        "service",
        "indicator",
        "indicatorRef",
        "timeWindow",
        "budgetingMethod",
        "objectives",
        "alertPolicies",
    ),
}


def _metadata(reader: Reader, metadata: Fields | None) -> dict | None:
    if metadata is None:
        return None
    result = {
        "name": metadata.name("name"),
        "displayName": metadata.string("displayName"),
        "teams": (),
        "team_line": None,
        "annotations": {},
    }
    labels = metadata.mapping("labels")
    for key, label in (labels.children if labels else {}).items():
        values = _label_values(reader, label)
        if key == "team":
            result["teams"] = tuple(values)
            result["team_line"] = label.line
    annotations = metadata.mapping("annotations")
    for key, annotation in (annotations.children if annotations else {}).items():
        if not isinstance(annotation.node, yaml.ScalarNode):
            reader.error(annotation, "an annotation value must be a string")
        elif key.startswith(ANNOTATION_PREFIX):
            result["annotations"][key.removeprefix(ANNOTATION_PREFIX)] = (
                annotation,
                annotation.text,
            )
    return result


def _label_values(reader: Reader, label: View) -> list[str]:
    if isinstance(label.node, yaml.ScalarNode):
        return [label.text] if label.text else []
    if isinstance(label.node, yaml.SequenceNode) and all(
        isinstance(item, yaml.ScalarNode) for item in label.node.value
    ):
        return [item.value for item in label.node.value]
    reader.error(label, "a label value is a string or a list of strings")
    return []


# --- SLI ---------------------------------------------------------------------------------------


def _indicator(reader: Reader, metadata: dict, spec: Fields, *, line: int) -> IndicatorDoc | None:
    threshold_metric = spec.get("thresholdMetric")
    ratio = spec.mapping("ratioMetric", ("counter", "good", "bad", "total", "rawType", "raw"))
    if threshold_metric is not None:
        reader.error(
            threshold_metric,
            "only ratioMetric indicators can be imported: Covenant measures every SLI as good "
            "events out of all events, and a threshold metric has no such counts",
        )
        return None
    if ratio is None:
        if spec.get("ratioMetric") is None:
            reader.error(spec.view, "an SLI needs a ratioMetric (good or bad, and total)")
        return None
    queries = _ratio_queries(reader, ratio)
    annotations = metadata["annotations"]
    kind = _annotation_choice(reader, annotations, "kind", IndicatorKind.values)
    threshold = None
    if "threshold" in annotations:
        view, text = annotations["threshold"]
        try:
            threshold = Decimal(text)
        except (InvalidOperation, TypeError):
            threshold = None
        if threshold is None or not threshold.is_finite() or threshold < 0:
            reader.error(view, f"must be a number of at least 0 (got {text!r})")
            threshold = None
    if queries is None:
        return None
    source, good_query, total_query = queries
    if source is None:
        # Not pulled from Prometheus: Covenant's own export says where the samples come from.
        pushed = [IndicatorSource.API, IndicatorSource.CSV, IndicatorSource.TICKETS]
        source = _annotation_choice(reader, annotations, "source", pushed)
    return IndicatorDoc(
        name=metadata["name"],
        display_name=metadata["displayName"],
        description=spec.string("description", max_length=DESCRIPTION_MAX),
        source=source,
        good_query=good_query,
        total_query=total_query,
        kind=kind,
        threshold=threshold,
        unit=annotations["unit"][1] if "unit" in annotations else None,
        service=annotations["service"][1] if "service" in annotations else None,
        line=line,
    )


def _annotation_choice(reader, annotations: dict, key: str, choices) -> str | None:
    if key not in annotations:
        return None
    view, text = annotations[key]
    if text not in choices:
        reader.error(view, f"must be one of {', '.join(choices)} (got {text!r})")
        return None
    return text


def _ratio_queries(reader: Reader, ratio: Fields) -> tuple[str | None, str, str] | None:
    """(source, good query, total query); a bad/total pair becomes good = total - bad.

    The source is None for metric sources Covenant does not pull from.
    """
    for unsupported in ("raw", "rawType"):
        if ratio.get(unsupported) is not None:
            reader.error(
                ratio.get(unsupported),
                "a precomputed (raw) ratio cannot be imported: Covenant sums good and total "
                "counts, which a stored ratio does not have",
            )
            return None
    good, bad = ratio.get("good"), ratio.get("bad")
    if good is not None and bad is not None:
        reader.error(bad, "give good or bad, not both")
        return None
    if good is None and bad is None:
        reader.error(ratio.view, "a ratioMetric needs good or bad")
    numerator = _metric_source(reader, ratio, "good" if good is not None else "bad")
    total = _metric_source(reader, ratio, "total", required=True)
    counter = ratio.boolean("counter")
    if numerator is None or total is None:
        return None
    (numerator_type, numerator_query), (total_type, total_query) = numerator, total
    if numerator_type.lower() == total_type.lower() == "prometheus":
        if counter:
            reader.warn(
                ratio.get("counter"),
                "Covenant runs each query as written at every bucket (5 minutes) and needs the "
                "count of events in that bucket, e.g. sum(increase(x[5m])): check the queries",
            )
        if bad is not None:
            return IndicatorSource.PROMETHEUS, f"({total_query}) - ({numerator_query})", total_query
        return IndicatorSource.PROMETHEUS, numerator_query, total_query
    if numerator_type == total_type == PUSHED_SOURCE_TYPE:
        return None, "", ""
    reader.warn(
        ratio.view,
        f"metric source type {numerator_type or total_type or 'none'!r} is not pulled by "
        "Covenant: samples of this SLI arrive by the API or a CSV upload",
    )
    return None, "", ""


def _metric_source(reader, ratio: Fields, key: str, *, required=False) -> tuple[str, str] | None:
    part = ratio.mapping(key, ("metricSource",), required=required)
    if part is None:
        return None
    source = part.mapping("metricSource", ("metricSourceRef", "type", "spec"), required=True)
    if source is None:
        return None
    source_type = source.string("type")
    spec = source.mapping("spec")
    if source_type.lower() != "prometheus":
        return source_type, ""
    if spec is None:
        source.get("spec", required=True)
        return None
    query = spec.string("query", required=True)
    return (source_type, query) if query else None


# --- SLO ---------------------------------------------------------------------------------------


def _slo(reader: Reader, metadata: dict, spec: Fields, *, line: int) -> SLODoc | None:
    problems_before = len(reader.problems)
    service = spec.name("service")
    inline, ref = spec.get("indicator"), spec.get("indicatorRef")
    indicator = None
    if inline is not None and ref is not None:
        reader.error(ref, "give indicator or indicatorRef, not both")
    elif inline is None and ref is None:
        reader.error(spec.view, "an SLO needs an indicator or an indicatorRef")
    elif inline is not None:
        indicator_fields = Fields.of(reader, inline, ("metadata", "spec"))
        if indicator_fields:
            indicator_metadata = _metadata(
                reader, indicator_fields.mapping("metadata", required=True)
            )
            indicator_spec = indicator_fields.mapping("spec", _SPEC_FIELDS["SLI"], required=True)
            if indicator_metadata and indicator_spec:
                indicator = _indicator(reader, indicator_metadata, indicator_spec, line=inline.line)
    indicator_ref = spec.name("indicatorRef") if ref is not None else None
    window, timezone = time_window(reader, spec)
    method = budgeting_method(reader, spec)
    target, timeslice_target = objective(
        reader, spec, method, has_ratio=inline is None or bool(indicator)
    )
    alert_policies = spec.get("alertPolicies")
    if alert_policies is not None:
        reader.warn(alert_policies, "alert policies are not imported")
    timezone_annotation = metadata["annotations"].get("timezone")
    if timezone_annotation and timezone is None:
        timezone = timezone_name(reader, *timezone_annotation)
    if len(reader.problems) > problems_before:
        return None
    return SLODoc(
        name=metadata["name"],
        display_name=metadata["displayName"],
        description=spec.string("description", max_length=DESCRIPTION_MAX),
        service=service,
        teams=metadata["teams"],
        team_line=metadata["team_line"] or line,
        indicator=indicator,
        indicator_ref=indicator_ref,
        window=window,
        timezone=timezone,
        budgeting_method=method,
        target=target,
        timeslice_target=timeslice_target,
        line=line,
        indicator_line=(inline or ref).line,
    )


def _check_unique_names(reader: Reader, parsed: Parsed) -> None:
    for kind, documents in (
        ("Service", parsed.services),
        ("SLI", parsed.indicators),
        ("SLO", parsed.slos),
    ):
        seen: dict[str, int] = {}
        for document in documents:
            if document.name in seen:
                reader.problems.append(
                    Problem(
                        document.line,
                        "metadata.name",
                        f"{kind} {document.name!r} is already defined on line "
                        f"{seen[document.name]}",
                    )
                )
            seen.setdefault(document.name, document.line)
