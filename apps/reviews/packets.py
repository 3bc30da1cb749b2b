"""The content of a review packet from plain figures: pure Python, no Django.

selectors.py loads the figures (monthly good/total counts aggregated in SQL, SLOs, SLA lines,
history); this module turns them into the packet's JSON-ready ``data`` and its content hash.
Everything in ``data`` is a str, int, bool, None, list or dict, so that the canonical JSON, and
so the hash, depends on the figures alone: the same figures always give the same hash.

Numbers: attainments are cut (not rounded) to 4 decimal places, so a month at 99.89996 % never
shows as the 99.9 % it missed; breaches and credits are decided on the exact value.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import orjson

from apps.contracts import credits, owed
from apps.core import formatting
from apps.measurements import maths
from apps.measurements.periods import Counts, quarters
from apps.slos import alignment

PERCENT_QUANTUM = Decimal("0.0001")
PACKET_PLACES = 4
# An SLO is met "with room" in a quarter when it would have met a target with half its error
# budget; met so in every one of the last N quarters, it can be tightened to that target.
ROOM_QUARTERS = 4
ROOM_BUDGET_SHARE = Decimal("0.5")


@dataclass(frozen=True)
class SloFigures:
    """An SLO of the service and its indicator's counts for each month of the year."""

    id: int
    name: str
    indicator_id: int
    indicator: str
    kind: str
    target: Decimal
    window: str
    status: str
    budgeting_method: str
    months: list[Counts]


@dataclass(frozen=True)
class BufferFigures:
    """The alignment of an SLA line now and the backing SLO's measured months."""

    verdict: str
    reasons: list[str]
    slo_id: int | None = None
    slo_target: Decimal | None = None
    buffer_ratio: Decimal | None = None
    margin: Decimal | None = None
    safe_maximum: Decimal | None = None
    policy: alignment.Policy = field(default_factory=alignment.Policy)
    slo_months: list[Counts] = field(default_factory=list)


@dataclass(frozen=True)
class LineFigures:
    """An SLA line (commitment) of a contract in force during the year, with its counts."""

    commitment_id: int
    contract_id: int
    contract_number: str
    revision: int
    customer_id: int
    customer: str
    service_id: int
    service: str
    indicator_id: int
    indicator: str
    target: Decimal
    period: str
    monthly_fee: Decimal
    currency: str
    tiers: list[credits.Tier]
    cap_percent: Decimal | None
    in_force_from: date
    in_force_until: date | None
    months: list[Counts]
    buffer: BufferFigures


@dataclass(frozen=True)
class Renewal:
    contract_id: int
    contract_number: str
    customer: str
    renewal_date: date
    monthly_fee: Decimal
    currency: str


@dataclass(frozen=True)
class Change:
    """One history entry of an SLO, SLA line, waiver or buffer policy."""

    model: str
    object_id: int
    label: str
    changed_at: str
    user: str | None
    change_type: str
    changes: dict
    reason: str


# --- formatting -------------------------------------------------------------------------------


def percent(value: Decimal | None) -> str | None:
    """A measured percentage as packets store it: four places, rounded down by the portal's one
    rule (apps/core/formatting.py); pages write it for people with the ``percent`` filter."""
    if value is None:
        return None
    return str(formatting.floor_percent(value, PACKET_PLACES))


def ratio(value: Decimal | None) -> str | None:
    if value is None:
        return None
    if not Decimal(value).is_finite():
        return str(value)
    return str(Decimal(value).quantize(PERCENT_QUANTUM, rounding=ROUND_HALF_UP))


def money(value: Decimal) -> str:
    return str(Decimal(value).quantize(credits.CENT, rounding=ROUND_HALF_UP))


def canonical_json(data: dict) -> str:
    """Sorted keys, no whitespace, UTF-8 text: the one serialisation the hash is taken of.

    Byte for byte what ``json.dumps(data, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`` writes (a test holds it to that).
    """
    return orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()


def content_hash(data: dict) -> str:
    return text_hash(canonical_json(data))


def text_hash(canonical: str) -> str:
    """The content hash of a packet from its canonical JSON (see ``canonical_json``)."""
    return hashlib.sha256(canonical.encode()).hexdigest()


def buffer_health(slo_months: list[Counts], target: Decimal) -> tuple[list[dict], str | None, int]:
    """How far the SLO's measured attainment sat above (positive) or below (negative) the SLA
    target each month, cut to 4 places like the attainment (None without data); the smallest
    such margin and the number of months below."""
    months = []
    margins = []
    for counts in slo_months:
        attained = counts.attainment
        margin = None
        if attained is not None:
            margin = (attained - target).quantize(PERCENT_QUANTUM, rounding=ROUND_DOWN)
            margins.append(margin)
        months.append(
            {
                "start": counts.start.isoformat(),
                "slo_attainment": percent(attained),
                "margin": None if margin is None else str(margin),
            }
        )
    smallest = str(min(margins)) if margins else None
    return months, smallest, sum(1 for m in margins if m < 0)


# --- sections ---------------------------------------------------------------------------------


def slo_section(slo: SloFigures) -> dict:
    """Attainment and budget use of an SLO per month and quarter, and over the whole year."""
    target = Decimal(slo.target)

    def row(counts: Counts) -> dict:
        attained = counts.attainment
        return {
            "start": counts.start.isoformat(),
            "good": counts.good,
            "total": counts.total,
            "attainment": percent(attained),
            "budget_consumed": ratio(maths.budget_consumed(attained, target)),
            "met": None if attained is None else attained >= target,
        }

    year = Counts(
        slo.months[0].start if slo.months else date.min,
        sum(m.good for m in slo.months),
        sum(m.total for m in slo.months),
    )
    year_row = row(year)
    del year_row["start"]
    return {
        "id": slo.id,
        "name": slo.name,
        "indicator_id": slo.indicator_id,
        "indicator": slo.indicator,
        "kind": slo.kind,
        "target": str(target),
        "window": slo.window,
        "status": slo.status,
        "budgeting_method": slo.budgeting_method,
        "months": [row(m) for m in slo.months],
        "quarters": [row(q) for q in quarters(slo.months)],
        "year": year_row,
    }


def line_section(line: LineFigures) -> dict:
    """An SLA line's attainment per measurement period that counts for it (the periods engine,
    ``apps/measurements/periods.py``), its breaches and the credits it owes."""
    target = Decimal(line.target)
    periods = []
    owed_total = Decimal(0)
    breaches = without_data = 0
    for credit in owed.line_credits(
        line.months,
        period=line.period,
        tiers=line.tiers,
        cap_percent=line.cap_percent,
        monthly_fee=line.monthly_fee,
        first=line.in_force_from,
        last=line.in_force_until,
        target=target,
    ):
        owed_total += credit.amount
        breaches += credit.breached
        without_data += credit.attainment is None
        periods.append(
            {
                "start": credit.start.isoformat(),
                "good": credit.good,
                "total": credit.total,
                "attainment": percent(credit.attainment),
                "breached": credit.breached,
                "credit_percent": str(credit.percent),
                "credit_amount": money(credit.amount),
            }
        )
    return {
        "commitment_id": line.commitment_id,
        "contract_id": line.contract_id,
        "contract_number": line.contract_number,
        "revision": line.revision,
        "customer_id": line.customer_id,
        "customer": line.customer,
        "service_id": line.service_id,
        "service": line.service,
        "indicator_id": line.indicator_id,
        "indicator": line.indicator,
        "target": str(target),
        "period": line.period,
        "currency": line.currency,
        "monthly_fee": money(line.monthly_fee),
        "in_force_from": line.in_force_from.isoformat(),
        "in_force_until": line.in_force_until.isoformat() if line.in_force_until else None,
        "periods": periods,
        "breaches": breaches,
        "periods_without_data": without_data,
        "credits_owed": money(owed_total),
        "buffer": buffer_section(line),
    }


def buffer_section(line: LineFigures) -> dict:
    """Buffer health: the verdict now, and per month how far the SLO's measured attainment sat
    above (positive) or below (negative) the SLA target."""
    buffer = line.buffer
    months, smallest, below = buffer_health(buffer.slo_months, Decimal(line.target))
    return {
        "verdict": buffer.verdict,
        "reasons": list(buffer.reasons),
        "slo_id": buffer.slo_id,
        "slo_target": None if buffer.slo_target is None else str(buffer.slo_target),
        "buffer_ratio": ratio(buffer.buffer_ratio),
        "margin": None if buffer.margin is None else str(buffer.margin),
        "safe_maximum": None if buffer.safe_maximum is None else str(buffer.safe_maximum),
        "months": months,
        "smallest_measured_margin": smallest,
        "months_below_sla": below,
    }


def renewal_section(renewals: list[Renewal]) -> list[dict]:
    return [
        {
            "contract_id": r.contract_id,
            "contract_number": r.contract_number,
            "customer": r.customer,
            "renewal_date": r.renewal_date.isoformat(),
            "monthly_fee": money(r.monthly_fee),
            "currency": r.currency,
        }
        for r in sorted(renewals, key=lambda r: (r.renewal_date, r.contract_number))
    ]


def change_section(changes: list[Change]) -> list[dict]:
    ordered = sorted(changes, key=lambda c: (c.changed_at, c.model, c.object_id))
    return [
        {
            "model": c.model,
            "object_id": c.object_id,
            "label": c.label,
            "changed_at": c.changed_at,
            "user": c.user,
            "change_type": c.change_type,
            "changes": {name: [_plain(v) for v in pair] for name, pair in c.changes.items()},
            "reason": c.reason,
        }
        for c in ordered
    ]


def _plain(value):
    return value if value is None or isinstance(value, bool | int | str) else str(value)


def credits_by_currency(lines: list[dict]) -> dict[str, str]:
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line["currency"]] = totals.get(line["currency"], Decimal(0)) + Decimal(
            line["credits_owed"]
        )
    return {currency: money(total) for currency, total in sorted(totals.items())}


def support_breach_section(year: int, counts: list) -> dict:
    """The year's breached support clocks by the cause their support lead gave, per quarter
    and over the year, and how many still wait for a cause (``counts``: the
    ``BreachCount`` rows of apps/support/metrics.py, plain quarter/cause/count)."""
    starts = [date(year, month, 1) for month in (1, 4, 7, 10)]
    by_quarter: dict[date, dict[str | None, int]] = {start: {} for start in starts}
    for row in counts:
        causes = by_quarter.setdefault(row.quarter, {})
        causes[row.cause] = causes.get(row.cause, 0) + row.count
    totals: dict[str, int] = {}
    for causes in by_quarter.values():
        for cause, count in causes.items():
            if cause is not None:
                totals[cause] = totals.get(cause, 0) + count

    def named(causes: dict) -> dict[str, int]:
        return {cause: causes[cause] for cause in sorted(c for c in causes if c is not None)}

    quarters = [
        {
            "start": start.isoformat(),
            "breaches": sum(causes.values()),
            "unanalysed": causes.get(None, 0),
            "causes": named(causes),
        }
        for start, causes in sorted(by_quarter.items())
    ]
    return {
        "breaches": sum(q["breaches"] for q in quarters),
        "unanalysed": sum(q["unanalysed"] for q in quarters),
        "causes": [
            {"cause": cause, "count": count}
            for cause, count in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
        ],
        "quarters": quarters,
    }


# --- recommendations --------------------------------------------------------------------------


def tighter_target(target: Decimal) -> Decimal:
    """The target with half the error budget: 99.9 → 99.95."""
    budget = 100 - Decimal(target)
    return (100 - budget * ROOM_BUDGET_SHARE).quantize(PERCENT_QUANTUM, rounding=ROUND_DOWN)


def slo_recommendations(slo: dict) -> list[dict]:
    recommendations = []
    last = slo["quarters"][-ROOM_QUARTERS:]
    target = Decimal(slo["target"])
    proposed = tighter_target(target)
    evidence = {
        "slo_id": slo["id"],
        "target": slo["target"],
        "quarters": [{"start": q["start"], "attainment": q["attainment"]} for q in last],
    }
    if len(last) == ROOM_QUARTERS and all(
        q["attainment"] is not None and Decimal(q["attainment"]) >= proposed for q in last
    ):
        recommendations.append(
            {
                "action": "tighten_slo",
                "subject": f"SLO {slo['name'] or slo['indicator']}",
                "text": (
                    f"Met with room in each of the last {ROOM_QUARTERS} quarters: the SLO could "
                    f"move from {alignment.fmt(target)} % to {alignment.fmt(proposed)} %."
                ),
                "evidence": {**evidence, "proposed_target": str(proposed)},
            }
        )
    missed = [m for m in slo["months"] if m["met"] is False]
    if missed:
        recommendations.append(
            {
                "action": "invest",
                "subject": f"SLO {slo['name'] or slo['indicator']}",
                "text": (
                    f"The SLO missed {alignment.fmt(target)} % in {len(missed)} month(s): invest "
                    "in reliability before any SLA built on it is raised."
                ),
                "evidence": {
                    **evidence,
                    "missed_months": [
                        {"start": m["start"], "attainment": m["attainment"]} for m in missed
                    ],
                },
            }
        )
    return recommendations


def line_recommendations(line: dict, tightened_slos: dict[int, Decimal], policy) -> list[dict]:
    """Relax or invest where the SLA was breached; tighten it only up to what the SLO backs."""
    subject = f"SLA {line['contract_number']} r{line['revision']} · {line['indicator']}"
    target = Decimal(line["target"])
    buffer = line["buffer"]
    if line["breaches"]:
        breached = [p for p in line["periods"] if p["breached"]]
        return [
            {
                "action": "relax_sla_or_invest",
                "subject": subject,
                "text": (
                    f"Breached in {len(breached)} of {len(line['periods'])} periods, "
                    f"{formatting.money(line['credits_owed'], line['currency'])} of credits owed: "
                    "relax the SLA at renewal or invest in the service."
                ),
                "evidence": {
                    "commitment_id": line["commitment_id"],
                    "target": line["target"],
                    "breached_periods": [
                        {"start": p["start"], "attainment": p["attainment"]} for p in breached
                    ],
                    "credits_owed": line["credits_owed"],
                },
            }
        ]
    measured = [p for p in line["periods"] if p["attainment"] is not None]
    if not measured or buffer["verdict"] != alignment.Verdict.ALIGNED.value:
        return []
    evidence = {
        "commitment_id": line["commitment_id"],
        "target": line["target"],
        "slo_id": buffer["slo_id"],
        "slo_target": buffer["slo_target"],
        "lowest_attainment": min((p["attainment"] for p in measured), key=Decimal),
    }
    slo_id = buffer["slo_id"]
    if slo_id in tightened_slos:
        after = alignment.safe_maximum(tightened_slos[slo_id], policy)
        if after is not None and after > target:
            return [
                {
                    "action": "tighten_sla_after_slo",
                    "subject": subject,
                    "text": (
                        f"Tighten the SLO to {alignment.fmt(tightened_slos[slo_id])} % first; "
                        f"then this SLA could rise to {alignment.fmt(after)} %."
                    ),
                    "evidence": {**evidence, "safe_maximum_after": str(after)},
                }
            ]
    safe = buffer["safe_maximum"]
    if safe is not None and Decimal(safe) > target:
        return [
            {
                "action": "tighten_sla",
                "subject": subject,
                "text": (
                    f"Never breached and the SLO already backs up to {alignment.fmt(Decimal(safe))}"
                    f" %: the SLA could be raised at renewal."
                ),
                "evidence": {**evidence, "safe_maximum": safe},
            }
        ]
    return []


def recommendations(slos: list[dict], lines: list[dict], policies: dict[int, object]) -> list:
    """All recommendations of a packet; ``policies`` maps a commitment id to its buffer policy."""
    result = []
    tightened: dict[int, Decimal] = {}
    for slo in slos:
        for recommendation in slo_recommendations(slo):
            result.append(recommendation)
            if recommendation["action"] == "tighten_slo":
                tightened[slo["id"]] = Decimal(recommendation["evidence"]["proposed_target"])
    for line in lines:
        policy = policies.get(line["commitment_id"], alignment.Policy())
        result.extend(line_recommendations(line, tightened, policy))
    return result


# --- packets ----------------------------------------------------------------------------------


def _period(year: int) -> dict:
    return {
        "year": year,
        "start": date(year, 1, 1).isoformat(),
        "end": date(year, 12, 31).isoformat(),
    }


def service_packet(
    *,
    year: int,
    service: dict,
    slos: list[SloFigures],
    lines: list[LineFigures],
    changes: list[Change],
    renewals: list[Renewal],
    support_breaches: dict | None = None,
) -> dict:
    """``support_breaches``: the ``support_breach_section`` of a service with support
    indicators; packets of other services hold no such section."""
    slo_rows = [slo_section(slo) for slo in sorted(slos, key=lambda s: s.id)]
    line_rows = [line_section(line) for line in sorted(lines, key=lambda x: x.commitment_id)]
    policies = {line.commitment_id: line.buffer.policy for line in lines}
    packet = {
        "scope": "service",
        "period": _period(year),
        "service": service,
        "slos": slo_rows,
        "slas": line_rows,
        "credits_owed": credits_by_currency(line_rows),
        "changes": change_section(changes),
        "renewals": renewal_section(renewals),
        "recommendations": recommendations(slo_rows, line_rows, policies),
    }
    if support_breaches is not None:
        packet["support_breaches"] = support_breaches
    return packet


def customer_packet(
    *,
    year: int,
    customer: dict,
    contracts: list[dict],
    lines: list[LineFigures],
    renewals: list[Renewal],
    support_breaches: dict | None = None,
) -> dict:
    """``contracts``: plain dicts of the customer's contracts in force during the year;
    ``support_breaches`` as for ``service_packet``, for a customer with support lines or
    tickets."""
    line_rows = [line_section(line) for line in sorted(lines, key=lambda x: x.commitment_id)]
    by_contract: dict[int, list[dict]] = {}
    for row in line_rows:
        by_contract.setdefault(row["contract_id"], []).append(row)
    contract_rows = []
    for contract in sorted(contracts, key=lambda c: (c["number"], c["revision"])):
        rows = by_contract.get(contract["id"], [])
        contract_rows.append({**contract, "lines": rows, "credits_owed": credits_by_currency(rows)})
    policies = {line.commitment_id: line.buffer.policy for line in lines}
    packet = {
        "scope": "customer",
        "period": _period(year),
        "customer": customer,
        "contracts": contract_rows,
        "credits_owed": credits_by_currency(line_rows),
        "renewals": renewal_section(renewals),
        "recommendations": recommendations([], line_rows, policies),
    }
    if support_breaches is not None:
        packet["support_breaches"] = support_breaches
    return packet
