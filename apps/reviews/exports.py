"""A packet as a page context, a PDF (WeasyPrint, inline SVG charts) and a CSV.

All three read the packet's stored ``data`` only, so they show exactly what was hashed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from apps.contracts import schedule_fit
from apps.contracts.choices import ContractStatus, Period
from apps.core import downloads, formatting
from apps.slos.choices import VERDICT_CHOICES, SloStatus, SloWindow

from . import charts, selectors
from .models import ReviewPacket

# Packets store the values; people read the labels.
CONTRACT_STATUS = dict(ContractStatus.choices)
PERIOD = dict(Period.choices)
SLO_STATUS = dict(SloStatus.choices)
SLO_WINDOW = dict(SloWindow.choices)
VERDICT = dict(VERDICT_CHOICES)

CSV_HEADER = ["section", "subject", "period_start", "metric", "value"]


def _month_label(iso: str) -> str:
    return iso[5:7]


def _chart(months: list[dict], key: str, target: str, title: str, **drawing) -> str:
    points = [(_month_label(m["start"]), m[key]) for m in months]
    # Safe: the chart helper escapes every text it puts into the SVG.
    return mark_safe(charts.attainment_chart(points, target, title, **drawing))


def _next_start(start: date, months: int) -> date:
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def partial_to(start: str, months: int, as_of: date | None) -> date | None:
    """The day a period's figures run to when the packet was made before the period ended."""
    if as_of is None:
        return None
    first = date.fromisoformat(start)
    return as_of if first <= as_of < _next_start(first, months) else None


def period_rules(period: dict, target: str) -> dict:
    """Which rule produced a period's breach, and whether its credit contradicts it (the
    packet keeps the credit %, not the tier that gave it)."""
    attainment, credit = period["attainment"], Decimal(period["credit_percent"])
    note = ""
    if attainment is not None:
        if credit and not period["breached"]:
            note = "credited although the target was met"
        elif period["breached"] and not credit:
            note = "breached, but no tier credits it"
    breach = schedule_fit.breach_rule(
        None if attainment is None else Decimal(attainment), Decimal(target)
    )
    return {"breach_rule": breach, "credit_note": note}


def period_months(period: str) -> int:
    return 3 if period == Period.QUARTER else 1


# The figure a recommendation is about first, then what shows it.
EVIDENCE_ORDER = {
    key: index
    for index, key in enumerate(
        [
            "target",
            "slo_target",
            "proposed_target",
            "missed_months",
            "breached_periods",
            "credits_owed",
            "quarters",
            "lowest_attainment",
            "safe_maximum",
            "safe_maximum_after",
        ]
    )
}


def evidence_sentences(evidence: dict, currency: str | None = None) -> list[str]:
    """A recommendation's evidence as sentences a reviewer reads (ids are left to the links)."""

    def when(rows: list[dict]) -> str:
        return ", ".join(
            f"{row['start'][:7]} ({formatting.percent(row['attainment'])})" for row in rows
        )

    sentences = []
    for key, value in sorted(evidence.items(), key=lambda item: EVIDENCE_ORDER.get(item[0], 99)):
        if key in ("slo_id", "commitment_id") or value is None:
            continue
        if key == "target":
            sentences.append(f"Target {formatting.target(value)}.")
        elif key == "slo_target":
            sentences.append(f"SLO target {formatting.target(value)}.")
        elif key == "proposed_target":
            sentences.append(f"Proposed target {formatting.target(value)}.")
        elif key == "quarters":
            quarters = ", ".join(
                f"Q{(int(q['start'][5:7]) - 1) // 3 + 1} {q['start'][:4]} "
                f"{formatting.percent(q['attainment'])}"
                for q in value
            )
            sentences.append(f"Attainment in the last quarters: {quarters}.")
        elif key == "missed_months":
            sentences.append(f"Missed in {when(value)}.")
        elif key == "breached_periods":
            sentences.append(f"Breached in {when(value)}.")
        elif key == "credits_owed":
            owed = formatting.money(value, currency) if currency else formatting.amount(value)
            sentences.append(f"Credits owed {owed}.")
        elif key == "lowest_attainment":
            sentences.append(f"Lowest attainment {formatting.percent(value)}.")
        elif key == "safe_maximum":
            sentences.append(f"The SLO backs an SLA up to {formatting.target(value)}.")
        elif key == "safe_maximum_after":
            sentences.append(
                f"With the SLO tightened, it backs an SLA up to {formatting.target(value)}."
            )
        else:
            sentences.append(f"{key.replace('_', ' ').capitalize()}: {value}.")
    return sentences


def packet_context(packet: ReviewPacket) -> dict:
    """The packet's data with a chart beside each SLO and each SLA line's buffer, labels for
    its stored values, the rule behind each breach and credit, and which period was still
    running when the packet was made."""
    data = packet.data or {}
    as_of = packet.generated_at.date() if packet.generated_at else None
    slos = [
        {
            **slo,
            "status_label": SLO_STATUS.get(slo["status"], slo["status"]),
            "window_label": SLO_WINDOW.get(slo["window"], slo["window"]),
            "months": [
                {**month, "partial_to": partial_to(month["start"], 1, as_of)}
                for month in slo["months"]
            ],
            "chart": _chart(
                slo["months"],
                "attainment",
                slo["target"],
                f"{slo['indicator']} per month",
                chart_id=f"packet-slo-{slo['id']}",
                target_kind="slo",
            ),
        }
        for slo in data.get("slos", [])
    ]

    def with_chart(line: dict, where: str) -> dict:
        months = line["buffer"]["months"]
        chart = (
            _chart(
                months,
                "slo_attainment",
                line["target"],
                "SLO attainment against SLA target",
                chart_id=f"packet-{where}-line-{line['commitment_id']}",
                target_kind="sla",
            )
            if months
            else ""
        )
        periods = [
            {
                **period,
                **period_rules(period, line["target"]),
                "partial_to": partial_to(period["start"], period_months(line["period"]), as_of),
            }
            for period in line["periods"]
        ]
        return {
            **line,
            "periods": periods,
            "period_label": PERIOD.get(line["period"], line["period"]).lower(),
            "verdict_label": VERDICT.get(line["buffer"]["verdict"], line["buffer"]["verdict"]),
            "buffer_chart": chart,
        }

    slas = [with_chart(line, "slas") for line in data.get("slas", [])]
    contracts = [
        {
            **contract,
            "status_label": CONTRACT_STATUS.get(contract["status"], contract["status"]),
            "lines": [with_chart(line, f"contract-{contract['id']}") for line in contract["lines"]],
        }
        for contract in data.get("contracts", [])
    ]
    currencies = {line["commitment_id"]: line["currency"] for line in _all_lines(data)}
    recommendations = [
        {
            **item,
            "evidence_sentences": evidence_sentences(
                item.get("evidence", {}),
                currencies.get(item.get("evidence", {}).get("commitment_id")),
            ),
        }
        for item in data.get("recommendations", [])
    ]
    return {
        "packet": packet,
        "data": data,
        "slos": slos,
        "slas": slas,
        "contracts": contracts,
        "recommendations": recommendations,
        "support_breaches": support_breach_table(data.get("support_breaches")),
    }


def support_breach_table(section: dict | None) -> dict | None:
    """The support breaches section as a table: a row per cause (then the breaches still
    waiting for a cause) with its count in each quarter and over the year."""
    if section is None:
        return None
    quarters = section["quarters"]
    rows = [
        {
            "cause": item["cause"],
            "quarters": [q["causes"].get(item["cause"], 0) for q in quarters],
            "year": item["count"],
        }
        for item in section["causes"]
    ]
    rows.append(
        {
            "cause": "Not analysed yet",
            "quarters": [q["unanalysed"] for q in quarters],
            "year": section["unanalysed"],
        }
    )
    return {
        "headings": [f"Q{n}" for n in range(1, len(quarters) + 1)],
        "rows": rows,
        "totals": [q["breaches"] for q in quarters],
        "breaches": section["breaches"],
    }


def _all_lines(data: dict) -> list[dict]:
    lines = list(data.get("slas", []))
    for contract in data.get("contracts", []):
        lines.extend(contract["lines"])
    return lines


def packet_pdf(packet: ReviewPacket, signoffs) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only the PDF needs.
    from weasyprint import HTML

    context = {**packet_context(packet), "signoff_rows": selectors.signoff_status(signoffs)}
    html = render_to_string("reviews/packet_pdf.html", context)
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
    rows.extend(_support_breach_rows(data.get("support_breaches")))
    return rows


def _support_breach_rows(section: dict | None) -> list[list]:
    if section is None:
        return []
    rows = []
    for quarter in section["quarters"]:
        for cause, count in quarter["causes"].items():
            rows.append(["support_breaches", cause, quarter["start"], "breaches", count])
        rows.append(["support_breaches", "", quarter["start"], "unanalysed", quarter["unanalysed"]])
    for item in section["causes"]:
        rows.append(["support_breaches", item["cause"], "", "breaches", item["count"]])
    rows.append(["support_breaches", "", "", "unanalysed", section["unanalysed"]])
    rows.append(["support_breaches", "", "", "breaches", section["breaches"]])
    return rows


def packet_csv(packet: ReviewPacket) -> str:
    return downloads.csv_text(CSV_HEADER, csv_rows(packet.data or {}))


def export_filename(packet: ReviewPacket, extension: str) -> str:
    return (
        f"review-{packet.cycle.year}-{packet.scope}-{packet.scope_id}-v{packet.version}.{extension}"
    )
