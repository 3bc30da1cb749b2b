"""A packet as a page context, a PDF (WeasyPrint, inline SVG charts) and a CSV.

All three read the packet's stored ``data`` only, so they show exactly what was hashed.
"""

from __future__ import annotations

import csv
import io

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from . import charts
from .models import ReviewPacket

CSV_HEADER = ["section", "subject", "period_start", "metric", "value"]


def _month_label(iso: str) -> str:
    return iso[5:7]


def _chart(months: list[dict], key: str, target: str, title: str) -> str:
    points = [(_month_label(m["start"]), m[key]) for m in months]
    # Safe: charts.py escapes every text it puts into the SVG.
    return mark_safe(charts.attainment_chart(points, target, title))


def packet_context(packet: ReviewPacket) -> dict:
    """The packet's data with a chart beside each SLO and each SLA line's buffer."""
    data = packet.data or {}
    slos = [
        {
            **slo,
            "chart": _chart(
                slo["months"], "attainment", slo["target"], f"{slo['indicator']} per month"
            ),
        }
        for slo in data.get("slos", [])
    ]

    def with_chart(line: dict) -> dict:
        months = line["buffer"]["months"]
        chart = (
            _chart(months, "slo_attainment", line["target"], "SLO attainment against SLA target")
            if months
            else ""
        )
        return {**line, "buffer_chart": chart}

    slas = [with_chart(line) for line in data.get("slas", [])]
    contracts = [
        {**contract, "lines": [with_chart(line) for line in contract["lines"]]}
        for contract in data.get("contracts", [])
    ]
    return {"packet": packet, "data": data, "slos": slos, "slas": slas, "contracts": contracts}


def packet_pdf(packet: ReviewPacket, signoffs) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only the PDF needs.
    from weasyprint import HTML

    html = render_to_string(
        "reviews/packet_pdf.html", {**packet_context(packet), "signoffs": signoffs}
    )
    return HTML(string=html).write_pdf()


def _line_rows(line: dict) -> list[list]:
    subject = f"{line['contract_number']} r{line['revision']} · {line['indicator']}"
    rows = [["sla", subject, "", "target", line["target"]]]
    for period in line["periods"]:
        start = period["start"]
        rows += [
            ["sla", subject, start, "attainment", period["attainment"] or ""],
            ["sla", subject, start, "breached", "yes" if period["breached"] else "no"],
            ["sla", subject, start, "credit_percent", period["credit_percent"]],
            ["sla", subject, start, f"credit_amount_{line['currency']}", period["credit_amount"]],
        ]
    rows.append(["sla", subject, "", f"credits_owed_{line['currency']}", line["credits_owed"]])
    buffer = line["buffer"]
    rows.append(["buffer", subject, "", "verdict", buffer["verdict"]])
    for month in buffer["months"]:
        rows.append(["buffer", subject, month["start"], "margin", month["margin"] or ""])
    return rows


def csv_rows(data: dict) -> list[list]:
    """The packet flattened to (section, subject, period_start, metric, value) rows."""
    rows = []
    for slo in data.get("slos", []):
        subject = f"SLO {slo['name'] or slo['indicator']}"
        rows.append(["slo", subject, "", "target", slo["target"]])
        for month in slo["months"]:
            rows.append(["slo", subject, month["start"], "attainment", month["attainment"] or ""])
            rows.append(
                ["slo", subject, month["start"], "budget_consumed", month["budget_consumed"] or ""]
            )
    lines = list(data.get("slas", []))
    for contract in data.get("contracts", []):
        lines.extend(contract["lines"])
    for line in lines:
        rows.extend(_line_rows(line))
    for currency, amount in data.get("credits_owed", {}).items():
        rows.append(["total", "", "", f"credits_owed_{currency}", amount])
    for change in data.get("changes", []):
        detail = "; ".join(f"{k}: {old} → {new}" for k, (old, new) in change["changes"].items())
        who = change["user"] or "system"
        rows.append(
            [
                "change",
                change["label"],
                change["changed_at"],
                change["change_type"],
                f"{who}: {detail}",
            ]
        )
    for renewal in data.get("renewals", []):
        rows.append(
            [
                "renewal",
                renewal["contract_number"],
                renewal["renewal_date"],
                "customer",
                renewal["customer"],
            ]
        )
    for item in data.get("recommendations", []):
        rows.append(["recommendation", item["subject"], "", item["action"], item["text"]])
    return rows


def packet_csv(packet: ReviewPacket) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(packet.data or {}))
    return buffer.getvalue()


def export_filename(packet: ReviewPacket, extension: str) -> str:
    return (
        f"review-{packet.cycle.year}-{packet.scope}-{packet.scope_id}-v{packet.version}.{extension}"
    )
