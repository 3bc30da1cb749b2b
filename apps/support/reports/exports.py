"""A support report as a page context with its charts, a PDF (WeasyPrint draws the inline SVG
charts as the page does) and a CSV. All three read the report's stored ``data`` only."""

from __future__ import annotations

from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from apps.core import charts, downloads, formatting

from ..report_models import SupportReport

CSV_HEADER = ["section", "subject", "period_start", "metric", "value"]
NOT_ANALYSED = "Not analysed yet"


def duration(seconds: int | None) -> str:
    """A mean time for people: "45 min", "3 h 05 min"."""
    if seconds is None:
        return formatting.NOTHING
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _hours(seconds) -> Decimal | None:
    return None if seconds is None else (Decimal(seconds) / 3600).quantize(Decimal("0.1"))


def _svg(markup: str) -> str:
    # Safe: apps/core/charts.py escapes every text it writes into the SVG.
    return mark_safe(markup)


def attainment_chart(priorities: list[dict]) -> str:
    labels = [row["priority"] for row in priorities]
    series = [
        charts.Series(
            "Responded within target",
            [_decimal(r["responded_within_pct"]) for r in priorities],
            charts.BARS[0],
        ),
        charts.Series(
            "Response target", [_decimal(r["response_target"]) for r in priorities], charts.BARS[1]
        ),
        charts.Series(
            "Resolved within target",
            [_decimal(r["resolved_within_pct"]) for r in priorities],
            charts.BARS[2],
        ),
        charts.Series(
            "Resolution target",
            [_decimal(r["resolution_target"]) for r in priorities],
            charts.BARS[3],
        ),
    ]
    return _svg(
        charts.bar_chart(
            chart_id="attainment",
            title="Attainment per priority against target",
            description="Share of decided clocks met per priority, beside the target it is "
            "held to; the table has the figures.",
            labels=labels,
            series=series,
            tick_text=charts.percent_tick,
            value_text=lambda value, label: f"{label} {formatting.percent(value)}",
            scale_=charts.scale(Decimal(0), Decimal(100)),
        )
    )


def causes_chart(breaches: dict) -> str:
    rows = [(item["cause"], item["count"]) for item in breaches["causes"]]
    rows.append((NOT_ANALYSED, breaches["unanalysed"]))
    return _svg(
        charts.bar_chart(
            chart_id="causes",
            title="Breaches by cause",
            description="Breached clocks by the cause their support lead gave.",
            labels=[label for label, _ in rows],
            series=[charts.Series("Breaches", [Decimal(count) for _, count in rows])],
            scale_=charts.count_scale([Decimal(count) for _, count in rows]),
            tick_text=charts.count_tick,
            value_text=lambda value, label: f"{formatting.trimmed(value)} breaches",
        )
    )


def escalations_chart(priorities: list[dict]) -> str:
    return _svg(
        charts.bar_chart(
            chart_id="escalations",
            title="Escalations per priority",
            description="Escalation levels fired on the clocks of each priority.",
            labels=[row["priority"] for row in priorities],
            series=[
                charts.Series("Escalations", [Decimal(row["escalations"]) for row in priorities])
            ],
            scale_=charts.count_scale([Decimal(row["escalations"]) for row in priorities]),
            tick_text=charts.count_tick,
            value_text=lambda value, label: f"{formatting.trimmed(value)} escalations",
        )
    )


def mttr_chart(trend: list[dict], priorities: list[str]) -> str:
    series = [
        charts.Series(
            priority,
            [_hours(step["mttr_seconds"].get(priority)) for step in trend],
            charts.BARS[index % len(charts.BARS)],
        )
        for index, priority in enumerate(priorities)
    ]
    shown = [v for s in series for v in s.values if v is not None]
    return _svg(
        charts.line_chart(
            chart_id="mttr",
            title="Mean time to resolve (hours)",
            description="Mean wall-clock hours from creation to the last solve of the tickets "
            "opened in each step, per priority.",
            labels=[step["label"] for step in trend],
            series=series,
            scale_=charts.scale(Decimal(0), max(shown, default=Decimal(1))),
            tick_text=lambda value, places: f"{formatting.trimmed(value)} h",
            value_text=lambda value: f"{formatting.trimmed(value)} h",
        )
    )


def report_context(report: SupportReport) -> dict:
    data = report.data or {}
    context = {"report": report, "data": data}
    if not report.is_ready:
        return context
    priorities = [
        {
            **row,
            "responded": formatting.percent(row["responded_within_pct"], none=formatting.NOTHING),
            "resolved": formatting.percent(row["resolved_within_pct"], none=formatting.NOTHING),
            "response_target_text": formatting.target(row["response_target"]),
            "resolution_target_text": formatting.target(row["resolution_target"]),
            "avg_response": duration(row["avg_response_seconds"]),
            "committed_response": duration(row["committed_response_seconds"]),
            "mttr": duration(row["mttr_seconds"]),
        }
        for row in data["priorities"]
    ]
    # The trend shows the priorities with tickets in the period (all four when none has any);
    # the CSV keeps every one.
    names = [row["priority"] for row in data["priorities"] if row["tickets"]] or [
        row["priority"] for row in data["priorities"]
    ]
    trend = [
        {
            "start": step["start"],
            "priority": p,
            "tickets": step["tickets"][p],
            "mttr": duration(step["mttr_seconds"][p]),
            "escalations": step["escalations"][p],
        }
        for step in data["trend"]
        for p in names
    ]
    return {
        **context,
        "priorities": priorities,
        "priority_names": names,
        "trend": trend,
        "breaches": data["breaches"],
        "not_analysed": NOT_ANALYSED,
        "attainment_chart": attainment_chart(data["priorities"]),
        "causes_chart": causes_chart(data["breaches"]),
        "escalations_chart": escalations_chart(data["priorities"]),
        "mttr_chart": mttr_chart(data["trend"], names),
    }


def report_pdf(report: SupportReport) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only the PDF needs.
    from weasyprint import HTML

    return HTML(
        string=render_to_string("support/report_pdf.html", report_context(report))
    ).write_pdf()


def csv_rows(data: dict) -> list[list]:
    """The report flattened to (section, subject, period_start, metric, value) rows."""
    start = data["period"]["start"]
    rows = []
    for row in data["priorities"]:
        for metric in (
            "tickets",
            "responded_within_pct",
            "response_target",
            "resolved_within_pct",
            "resolution_target",
            "avg_response_seconds",
            "committed_response_seconds",
            "mttr_seconds",
            "escalations",
        ):
            value = row[metric]
            rows.append(
                ["priority", row["priority"], start, metric, "" if value is None else value]
            )
    for item in data["breaches"]["causes"]:
        rows.append(["breaches", item["cause"], start, "breaches", item["count"]])
    rows.append(["breaches", "", start, "unanalysed", data["breaches"]["unanalysed"]])
    rows.append(["breaches", "", start, "total", data["breaches"]["total"]])
    for step in data["trend"]:
        for priority, value in step["mttr_seconds"].items():
            rows.append(
                ["trend", priority, step["start"], "mttr_seconds", "" if value is None else value]
            )
            rows.append(["trend", priority, step["start"], "tickets", step["tickets"][priority]])
            rows.append(
                ["trend", priority, step["start"], "escalations", step["escalations"][priority]]
            )
    return rows


def report_csv(report: SupportReport) -> str:
    return downloads.csv_text(CSV_HEADER, csv_rows(report.data or {}))


def export_filename(report: SupportReport, extension: str) -> str:
    subject_id = report.service_id or report.customer_id
    return (
        f"support-{report.kind}-{report.scope}-{subject_id}-{report.period_start:%Y-%m-%d}"
        f"-{report.pk}.{extension}"
    )
