"""Reads for annual reviews: the figures a packet is built from, current packets and progress.

Loading a packet's figures takes a fixed number of queries whatever the number of lines: one
GROUP BY over the samples per timezone in play (usually one), one query per history table, and a
handful for the rows themselves.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from apps.catalog.models import Customer, Indicator, Service
from apps.contracts.choices import ContractStatus
from apps.contracts.models import Commitment, Contract, Waiver
from apps.core.history import entries_for_records
from apps.measurements import selectors as measurements
from apps.slos.choices import BudgetingMethod, SloStatus
from apps.slos.models import SLO, BufferPolicy
from apps.slos.selectors import AlignmentBatch

from . import packets
from .choices import PacketStatus
from .models import ReviewCycle, ReviewPacket

# Revisions that were (or are) binding: their SLA lines count for the year they were in force.
IN_FORCE_STATES = (ContractStatus.SIGNED, ContractStatus.SUPERSEDED, ContractStatus.TERMINATED)
ONE_DAY = timedelta(days=1)


def year_days(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


# --- packets and progress ---------------------------------------------------------------------


def _newer_version():
    return ReviewPacket.objects.filter(
        cycle_id=OuterRef("cycle_id"),
        scope=OuterRef("scope"),
        scope_id=OuterRef("scope_id"),
        version__gt=OuterRef("version"),
    )


def current_packets(queryset: QuerySet | None = None) -> QuerySet:
    """Packets that no newer version replaces (one per cycle and scope)."""
    queryset = ReviewPacket.objects.all() if queryset is None else queryset
    return queryset.filter(~Exists(_newer_version()))


def packets_with_currency(queryset: QuerySet | None = None) -> QuerySet:
    """Packets annotated ``is_current`` (False once regenerated), in the same query."""
    queryset = ReviewPacket.objects.all() if queryset is None else queryset
    return queryset.annotate(is_current=~Exists(_newer_version()))


def cycles_with_progress(queryset: QuerySet | None = None) -> QuerySet:
    """Cycles annotated with counts of their current packets by status, in one query.

    ``packets_total``, ``packets_ready``, ``packets_failed``: what admin, API and pages show.
    """
    queryset = ReviewCycle.objects.all() if queryset is None else queryset
    current = Q(packets__in=current_packets().values("pk"))
    return queryset.annotate(
        packets_total=Count("packets", filter=current),
        packets_ready=Count("packets", filter=current & Q(packets__status=PacketStatus.READY)),
        packets_failed=Count("packets", filter=current & Q(packets__status=PacketStatus.FAILED)),
    )


# --- scopes ----------------------------------------------------------------------------------


def _overlapping_year(year: int) -> Q:
    first, last = year_days(year)
    return Q(status__in=IN_FORCE_STATES, start_date__lte=last) & (
        Q(end_date__isnull=True) | Q(end_date__gte=first)
    )


def customers_for_year(year: int) -> QuerySet:
    """Customers with at least one contract revision binding during the year."""
    contracts = Contract.objects.filter(_overlapping_year(year))
    return Customer.objects.filter(Exists(contracts.filter(customer_id=OuterRef("pk"))))


def in_force_days(contract: Contract) -> tuple[date, date | None]:
    """First and last day a revision bound (last None: still binding).

    A superseded revision stops binding the day before its amendment was signed; a terminated
    one on the day it was terminated.
    """
    last = contract.end_date
    ends = [last] if last else []
    if contract.status == ContractStatus.TERMINATED and contract.terminated_at:
        ends.append(contract.terminated_at.date())
    if contract.status == ContractStatus.SUPERSEDED:
        successor = getattr(contract, "next_revision", None)
        if successor is not None and successor.signed_at:
            ends.append(successor.signed_at.date() - ONE_DAY)
    return contract.start_date, min(ends) if ends else None


def _binds_in(contract: Contract, year: int) -> bool:
    first, last = in_force_days(contract)
    year_first, year_last = year_days(year)
    return first <= year_last and (last is None or last >= year_first)


# --- counts -----------------------------------------------------------------------------------


CountsKey = tuple[int, str, Decimal | None]
# Monthly counts computed once for the whole cycle (``cycle_counts``) and handed to each packet
# task, so a customer packet does not aggregate again the years its services' packets read.
_SNAPSHOT: ContextVar[tuple[int, dict] | None] = ContextVar("review_counts", default=None)


@contextmanager
def counts_snapshot(payload: dict | None) -> Iterator[None]:
    """Within the block, ``monthly_counts`` takes what ``payload`` (from ``cycle_counts``) holds
    for its year and queries only the rest."""
    snapshot = None
    if payload:
        counts = {
            (ind, tz, Decimal(s) if s is not None else None): [
                packets.Counts(date.fromisoformat(start), good, total)
                for start, good, total in months
            ]
            for ind, tz, s, months in payload["counts"]
        }
        snapshot = (payload["year"], counts)
    token = _SNAPSHOT.set(snapshot)
    try:
        yield
    finally:
        _SNAPSHOT.reset(token)


def monthly_counts(year: int, wanted: set[CountsKey]) -> dict:
    """Σgood/Σtotal per month of ``year`` for each (indicator, timezone, slice target) wanted.

    One GROUP BY per (timezone, slice target) pair, for all the indicators that need it and that
    the cycle's snapshot (``counts_snapshot``) does not already hold.
    """
    result: dict[CountsKey, list[packets.Counts]] = {}
    snapshot = _SNAPSHOT.get()
    if snapshot is not None and snapshot[0] == year:
        result = {key: snapshot[1][key] for key in wanted if key in snapshot[1]}
    groups: dict[tuple[str, Decimal | None], set[int]] = defaultdict(set)
    for indicator_id, tz, slice_target in wanted - result.keys():
        groups[(tz, slice_target)].add(indicator_id)
    for (tz, slice_target), ids in sorted(groups.items(), key=lambda g: (g[0][0], str(g[0][1]))):
        zone = zoneinfo.ZoneInfo(tz)
        start = datetime(year, 1, 1, tzinfo=zone)
        end = datetime(year + 1, 1, 1, tzinfo=zone)
        ordered = sorted(ids)
        if slice_target is None:
            totals = measurements.period_totals(ordered, "month", start, end, tz)
        else:
            totals = measurements.period_timeslices(ordered, "month", start, end, slice_target, tz)
        for indicator_id, rows in totals.items():
            result[(indicator_id, tz, slice_target)] = [
                packets.Counts(row.period_start, row.good, row.total) for row in rows
            ]
    return result


def _slo_key(slo: SLO) -> tuple[int, str, Decimal | None]:
    timeslices = slo.budgeting_method == BudgetingMethod.TIMESLICES
    return (slo.indicator_id, slo.timezone or "UTC", slo.timeslice_target if timeslices else None)


def _line_key(line: Commitment) -> tuple[int, str, None]:
    return (line.indicator_id, line.contract.timezone or "UTC", None)


# --- lines ------------------------------------------------------------------------------------


def _lines(queryset: QuerySet, year: int) -> list[Commitment]:
    lines = (
        queryset.filter(contract__in=Contract.objects.filter(_overlapping_year(year)))
        .select_related(
            "contract__customer", "contract__next_revision", "indicator__service", "credit_schedule"
        )
        .prefetch_related("credit_schedule__tiers")
        .order_by("id")
    )
    return [line for line in lines if _binds_in(line.contract, year)]


def _alignments(lines: list[Commitment]) -> dict[int, tuple]:
    """The alignment of every line now, with its policy, in a fixed number of queries."""
    batch = AlignmentBatch([line.indicator for line in lines], check_risk=False)
    return {
        line.pk: (
            batch.evaluate(line.indicator, line.target),
            batch.policy_for(line.indicator.service_id),
        )
        for line in lines
    }


def _line_figures(lines: list[Commitment], alignments: dict, counts: dict) -> list:
    figures = []
    for line in lines:
        result, policy = alignments[line.pk]
        first, last = in_force_days(line.contract)
        schedule = line.credit_schedule
        slo = result.slo
        figures.append(
            packets.LineFigures(
                commitment_id=line.pk,
                contract_id=line.contract_id,
                contract_number=line.contract.number,
                revision=line.contract.revision,
                customer_id=line.contract.customer_id,
                customer=line.contract.customer.name,
                service_id=line.indicator.service_id,
                service=line.indicator.service.name,
                indicator_id=line.indicator_id,
                indicator=line.indicator.name,
                target=line.target,
                period=line.period,
                monthly_fee=line.contract.monthly_fee,
                currency=line.contract.currency,
                tiers=schedule.as_tiers() if schedule else [],
                cap_percent=schedule.cap_percent if schedule else None,
                in_force_from=first,
                in_force_until=last,
                months=counts[_line_key(line)],
                buffer=packets.BufferFigures(
                    verdict=result.verdict.value,
                    reasons=list(result.alignment.reasons),
                    slo_id=slo.pk if slo else None,
                    slo_target=slo.target if slo else None,
                    buffer_ratio=result.alignment.buffer_ratio,
                    margin=result.alignment.margin,
                    safe_maximum=result.safe_maximum,
                    policy=policy,
                    slo_months=counts[_slo_key(slo)] if slo else [],
                ),
            )
        )
    return figures


def _renewals(queryset: QuerySet, year: int) -> list[packets.Renewal]:
    """Signed contracts renewing in the 12 months after the reviewed year."""
    first, last = year_days(year + 1)
    contracts = (
        queryset.filter(status=ContractStatus.SIGNED, renewal_date__range=(first, last))
        .select_related("customer")
        .distinct()
    )
    return [
        packets.Renewal(c.pk, c.number, c.customer.name, c.renewal_date, c.monthly_fee, c.currency)
        for c in contracts
    ]


# --- history ----------------------------------------------------------------------------------


def _changes(model_name: str, records, labels, year: int) -> list[packets.Change]:
    """History entries of the year, each diffed against the record before it (even if older)."""
    by_object: dict[int, list] = defaultdict(list)
    for record in records:
        by_object[record.id].append(record)
    first, last = year_days(year)
    changes = []
    for object_id, rows in by_object.items():
        for entry in entries_for_records(rows, labels(rows[-1])):
            if first <= entry.changed_at.astimezone(zoneinfo.ZoneInfo("UTC")).date() <= last:
                changes.append(
                    packets.Change(
                        model=model_name,
                        object_id=object_id,
                        label=entry.object_label,
                        changed_at=entry.changed_at.isoformat(),
                        user=entry.user,
                        change_type=entry.change_type,
                        changes=entry.changes,
                        reason=entry.reason,
                    )
                )
    return changes


def _history(model, year: int, **filters):
    end = datetime(year + 1, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC"))
    return (
        model.history.model.objects.filter(history_date__lt=end, **filters)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )


def service_changes(service: Service, indicator_names: dict[int, str], year: int) -> list:
    """Every change in the year to the service's SLOs, SLA lines, their waivers and the buffer
    policies that apply to it (its own and the global one): four queries."""
    ids = list(indicator_names)
    commitments = list(_history(Commitment, year, indicator_id__in=ids))
    commitment_ids = {record.id for record in commitments}

    def name(record):
        return indicator_names.get(record.indicator_id, f"indicator {record.indicator_id}")

    return [
        *_changes(
            "slo",
            _history(SLO, year, indicator_id__in=ids),
            lambda r: f"SLO {r.name or name(r)}",
            year,
        ),
        *_changes("commitment", commitments, lambda r: f"SLA line #{r.id} ({name(r)})", year),
        *_changes(
            "waiver",
            _history(Waiver, year, commitment_id__in=commitment_ids),
            lambda r: f"Waiver #{r.id} on SLA line #{r.commitment_id}",
            year,
        ),
        *_changes(
            "bufferpolicy",
            _history(BufferPolicy, year).filter(Q(service_id=service.pk) | Q(service_id=None)),
            lambda r: f"Buffer policy ({service.name if r.service_id else 'global'})",
            year,
        ),
    ]


# --- packet figures ---------------------------------------------------------------------------


def service_packet_data(service_id: int, year: int) -> dict:
    service = Service.objects.select_related("team").get(pk=service_id)
    indicator_names = dict(
        Indicator.objects.filter(service=service).values_list("id", "name").order_by("id")
    )
    year_start = datetime(year, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC"))
    # Active SLOs, and retired ones that still changed (so were live) in or after the year.
    touched = SLO.history.model.objects.filter(id=OuterRef("pk"), history_date__gte=year_start)
    slos = list(
        SLO.objects.filter(indicator__service=service)
        .filter(Q(status=SloStatus.ACTIVE) | Q(status=SloStatus.RETIRED) & Exists(touched))
        .select_related("indicator")
        .order_by("id")
    )
    lines = _lines(Commitment.objects.filter(indicator__service=service), year)
    alignments = _alignments(lines)
    backing = [result.slo for result, _ in alignments.values() if result.slo is not None]
    counts = monthly_counts(
        year, {_slo_key(s) for s in [*slos, *backing]} | {_line_key(line) for line in lines}
    )
    slo_figures = [
        packets.SloFigures(
            id=slo.pk,
            name=slo.name,
            indicator_id=slo.indicator_id,
            indicator=slo.indicator.name,
            kind=slo.indicator.kind,
            target=slo.target,
            window=slo.window,
            status=slo.status,
            budgeting_method=slo.budgeting_method,
            months=counts[_slo_key(slo)],
        )
        for slo in slos
    ]
    return packets.service_packet(
        year=year,
        service={
            "id": service.pk,
            "slug": service.slug,
            "name": service.name,
            "team": service.team.name,
        },
        slos=slo_figures,
        lines=_line_figures(lines, alignments, counts),
        changes=service_changes(service, indicator_names, year),
        renewals=_renewals(Contract.objects.filter(commitments__indicator__service=service), year),
    )


def customer_packet_data(customer_id: int, year: int) -> dict:
    customer = Customer.objects.get(pk=customer_id)
    contracts = [
        contract
        for contract in Contract.objects.filter(_overlapping_year(year), customer=customer)
        .select_related("next_revision")
        .order_by("number", "revision")
        if _binds_in(contract, year)
    ]
    lines = _lines(Commitment.objects.filter(contract__in=[c.pk for c in contracts]), year)
    alignments = _alignments(lines)
    backing = [result.slo for result, _ in alignments.values() if result.slo is not None]
    counts = monthly_counts(year, {_slo_key(s) for s in backing} | {_line_key(x) for x in lines})
    contract_rows = []
    for contract in contracts:
        first, last = in_force_days(contract)
        contract_rows.append(
            {
                "id": contract.pk,
                "number": contract.number,
                "revision": contract.revision,
                "status": contract.status,
                "monthly_fee": packets.money(contract.monthly_fee),
                "currency": contract.currency,
                "in_force_from": first.isoformat(),
                "in_force_until": last.isoformat() if last else None,
                "renewal_date": contract.renewal_date.isoformat()
                if contract.renewal_date
                else None,
            }
        )
    return packets.customer_packet(
        year=year,
        customer={"id": customer.pk, "name": customer.name},
        contracts=contract_rows,
        lines=_line_figures(lines, alignments, counts),
        renewals=_renewals(Contract.objects.filter(customer=customer), year),
    )


# --- the cycle's counts -----------------------------------------------------------------------


def cycle_counts(year: int, scopes: dict[int, tuple[str, int]]) -> dict[int, dict]:
    """The monthly counts every packet of a cycle reads, in one GROUP BY per (timezone, slice
    target) for all indicators; per packet id (``scopes``: packet id → (scope, scope id)) the
    JSON-safe payload ``counts_snapshot`` takes. A superset is harmless: a packet uses the keys
    it needs and queries any it does not find."""
    service_of = dict(Indicator.objects.values_list("id", "service_id"))
    keys: dict[int, set[CountsKey]] = defaultdict(set)
    slos = SLO.objects.exclude(status=SloStatus.DRAFT).only(
        "indicator_id", "timezone", "budgeting_method", "timeslice_target"
    )
    for slo in slos:
        keys[slo.indicator_id].add(_slo_key(slo))
    by_scope: dict[tuple[str, int], set[int]] = defaultdict(set)
    lines = Commitment.objects.filter(
        contract__in=Contract.objects.filter(_overlapping_year(year))
    ).values_list("indicator_id", "contract__timezone", "contract__customer_id")
    for indicator_id, tz, customer_id in lines:
        keys[indicator_id].add((indicator_id, tz or "UTC", None))
        by_scope[("customer", customer_id)].add(indicator_id)
    for indicator_id, service_id in service_of.items():
        by_scope[("service", service_id)].add(indicator_id)
    wanted = {key for ids in by_scope.values() for i in ids for key in keys[i]}
    with counts_snapshot(None):
        counts = monthly_counts(year, wanted)
    payloads = {}
    for packet_id, scope in scopes.items():
        packet_keys = sorted(
            {key for i in by_scope.get(scope, ()) for key in keys[i]},
            key=lambda k: (k[0], k[1], str(k[2])),
        )
        payloads[packet_id] = {
            "year": year,
            "counts": [
                [
                    ind,
                    tz,
                    str(s) if s is not None else None,
                    [[c.start.isoformat(), c.good, c.total] for c in counts[(ind, tz, s)]],
                ]
                for ind, tz, s in packet_keys
            ],
        }
    return payloads
