"""A packet's figures as JSON-safe inputs, and the packet built from them: pure Python, no Django.

``prepare_cycle`` loads the figures of every packet of a cycle at once (selectors.CycleFigures)
and hands each packet task its own inputs in the task's message, so a packet task queries
nothing but its claim and its write. A packet generated alone (a regeneration) loads its figures
the same way, for its one scope, and goes through the same encoding: both roads build a packet
from identical inputs, so its content and hash are the same.

Decimals travel as their ``str`` and dates as ISO days, both of which read back exactly; each
distinct list of monthly counts is sent once and referred to by its index.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from apps.contracts import credits
from apps.slos import alignment

from . import packets

VERSION = 1


def _dec(value) -> str | None:
    return None if value is None else str(value)


def _undec(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _unday(value) -> date | None:
    return None if value is None else date.fromisoformat(value)


class _CountsTable:
    """Each list of monthly counts once; figures refer to it by index. The loader hands every
    figure of the same (indicator, timezone, slice target) the same list, so identity is enough.
    The lists may still be empty here (see ``seal``)."""

    def __init__(self):
        self.rows: list[list[packets.Counts]] = []
        self.index: dict[int, int] = {}

    def ref(self, months: list[packets.Counts]) -> int:
        found = self.index.get(id(months))
        if found is None:
            found = self.index[id(months)] = len(self.rows)
            self.rows.append(months)
        return found


def seal(inputs: dict, written: dict[int, list] | None = None) -> dict:
    """The inputs with their monthly counts written out: once the loader has filled them.

    ``written``: the lists already written out for other packets' inputs, by the identity of
    the loader's list (which outlives them), so that a cycle writes out each list once.
    """
    written = {} if written is None else written
    rows = []
    for months in inputs["counts"]:
        row = written.get(id(months))
        if row is None:
            row = written[id(months)] = [[c.start.isoformat(), c.good, c.total] for c in months]
        rows.append(row)
    inputs["counts"] = rows
    return inputs


def _uncounts(rows: list[list]) -> list[list[packets.Counts]]:
    return [
        [packets.Counts(date.fromisoformat(start), good, total) for start, good, total in months]
        for months in rows
    ]


# --- figures ----------------------------------------------------------------------------------


def _slo(slo: packets.SloFigures, table: _CountsTable) -> list:
    return [
        slo.id,
        slo.name,
        slo.indicator_id,
        slo.indicator,
        slo.kind,
        _dec(slo.target),
        slo.window,
        slo.status,
        slo.budgeting_method,
        table.ref(slo.months),
    ]


def _unslo(row: list, counts: list) -> packets.SloFigures:
    id_, name, indicator_id, indicator, kind, target, window, status, method, months = row
    return packets.SloFigures(
        id=id_,
        name=name,
        indicator_id=indicator_id,
        indicator=indicator,
        kind=kind,
        target=Decimal(target),
        window=window,
        status=status,
        budgeting_method=method,
        months=counts[months],
    )


def _line(line: packets.LineFigures, table: _CountsTable) -> list:
    b = line.buffer
    return [
        line.commitment_id,
        line.contract_id,
        line.contract_number,
        line.revision,
        line.customer_id,
        line.customer,
        line.service_id,
        line.service,
        line.indicator_id,
        line.indicator,
        _dec(line.target),
        line.period,
        _dec(line.monthly_fee),
        line.currency,
        [
            [
                _dec(t.lower),
                _dec(t.upper),
                _dec(t.credit_percent),
                t.lower_inclusive,
                t.upper_inclusive,
            ]
            for t in line.tiers
        ],
        _dec(line.cap_percent),
        _day(line.in_force_from),
        _day(line.in_force_until),
        table.ref(line.months),
        [
            b.verdict,
            list(b.reasons),
            b.slo_id,
            _dec(b.slo_target),
            _dec(b.buffer_ratio),
            _dec(b.margin),
            _dec(b.safe_maximum),
            [_dec(b.policy.min_budget_ratio), _dec(b.policy.min_margin)],
            table.ref(b.slo_months),
        ],
    ]


def _unline(row: list, counts: list) -> packets.LineFigures:
    (
        commitment_id,
        contract_id,
        contract_number,
        revision,
        customer_id,
        customer,
        service_id,
        service,
        indicator_id,
        indicator,
        target,
        period,
        monthly_fee,
        currency,
        tiers,
        cap_percent,
        in_force_from,
        in_force_until,
        months,
        buffer,
    ) = row
    verdict, reasons, slo_id, slo_target, buffer_ratio, margin, safe, policy, slo_months = buffer
    return packets.LineFigures(
        commitment_id=commitment_id,
        contract_id=contract_id,
        contract_number=contract_number,
        revision=revision,
        customer_id=customer_id,
        customer=customer,
        service_id=service_id,
        service=service,
        indicator_id=indicator_id,
        indicator=indicator,
        target=Decimal(target),
        period=period,
        monthly_fee=Decimal(monthly_fee),
        currency=currency,
        tiers=[
            credits.Tier(_undec(lo), _undec(up), Decimal(pct), lo_in, up_in)
            for lo, up, pct, lo_in, up_in in tiers
        ],
        cap_percent=_undec(cap_percent),
        in_force_from=_unday(in_force_from),
        in_force_until=_unday(in_force_until),
        months=counts[months],
        buffer=packets.BufferFigures(
            verdict=verdict,
            reasons=reasons,
            slo_id=slo_id,
            slo_target=_undec(slo_target),
            buffer_ratio=_undec(buffer_ratio),
            margin=_undec(margin),
            safe_maximum=_undec(safe),
            policy=alignment.Policy(Decimal(policy[0]), Decimal(policy[1])),
            slo_months=counts[slo_months],
        ),
    )


def _change(c: packets.Change) -> list:
    changes = {name: [packets._plain(v) for v in pair] for name, pair in c.changes.items()}
    return [c.model, c.object_id, c.label, c.changed_at, c.user, c.change_type, changes, c.reason]


def _renewal(r: packets.Renewal) -> list:
    return [
        r.contract_id,
        r.contract_number,
        r.customer,
        r.renewal_date.isoformat(),
        _dec(r.monthly_fee),
        r.currency,
    ]


def _unrenewal(row: list) -> packets.Renewal:
    contract_id, number, customer, renewal_date, fee, currency = row
    return packets.Renewal(
        contract_id, number, customer, date.fromisoformat(renewal_date), Decimal(fee), currency
    )


# --- packets ----------------------------------------------------------------------------------


def service_inputs(
    *,
    year: int,
    service: dict,
    slos: list[packets.SloFigures],
    lines: list[packets.LineFigures],
    changes: list[packets.Change],
    renewals: list[packets.Renewal],
) -> dict:
    table = _CountsTable()
    return {
        "v": VERSION,
        "scope": "service",
        "scope_id": service["id"],
        "year": year,
        "service": service,
        "slos": [_slo(s, table) for s in slos],
        "lines": [_line(x, table) for x in lines],
        "changes": [_change(c) for c in changes],
        "renewals": [_renewal(r) for r in renewals],
        "counts": table.rows,
    }


def customer_inputs(
    *,
    year: int,
    customer: dict,
    contracts: list[dict],
    lines: list[packets.LineFigures],
    renewals: list[packets.Renewal],
) -> dict:
    table = _CountsTable()
    return {
        "v": VERSION,
        "scope": "customer",
        "scope_id": customer["id"],
        "year": year,
        "customer": customer,
        "contracts": contracts,
        "lines": [_line(x, table) for x in lines],
        "renewals": [_renewal(r) for r in renewals],
        "counts": table.rows,
    }


def matches(inputs: dict | None, scope: str, scope_id: int, year: int) -> bool:
    """Whether ``inputs`` are this packet's (a message from another version never is)."""
    return bool(inputs) and (
        inputs.get("v") == VERSION
        and (inputs.get("scope"), inputs.get("scope_id"), inputs.get("year"))
        == (scope, scope_id, year)
    )


def build(inputs: dict) -> dict:
    """The packet's ``data`` from its inputs."""
    counts = _uncounts(inputs["counts"])
    lines = [_unline(row, counts) for row in inputs["lines"]]
    renewals = [_unrenewal(row) for row in inputs["renewals"]]
    if inputs["scope"] == "service":
        return packets.service_packet(
            year=inputs["year"],
            service=inputs["service"],
            slos=[_unslo(row, counts) for row in inputs["slos"]],
            lines=lines,
            changes=[packets.Change(*row) for row in inputs["changes"]],
            renewals=renewals,
        )
    return packets.customer_packet(
        year=inputs["year"],
        customer=inputs["customer"],
        contracts=inputs["contracts"],
        lines=lines,
        renewals=renewals,
    )
