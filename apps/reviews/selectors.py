"""Reads for annual reviews: the figures a packet is built from, current packets and progress.

Packet figures are loaded by ``PacketFigures`` for a chunk of packets (a cycle's task) or for
one (a regeneration), in a fixed number of queries whatever the number of packets or lines: one
GROUP BY over the samples per timezone in play (usually one), one query per history table, and a
dozen for the rows themselves. Both roads build a packet from the same figures by the same code,
so a packet's content and hash do not depend on which road built it.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from apps.catalog.choices import SUPPORT_KINDS
from apps.catalog.models import Customer, Indicator, Service
from apps.contracts.choices import ContractStatus
from apps.contracts.models import Commitment, Contract, CreditSchedule, Waiver
from apps.core.history import entries_for_records
from apps.measurements import selectors as measurements
from apps.slos.choices import BudgetingMethod, SloStatus
from apps.slos.models import SLO, BufferPolicy
from apps.slos.selectors import AlignmentBatch
from apps.support import metrics as support_metrics

from . import packets
from .choices import PacketStatus, SignOffRole
from .models import ReviewCycle, ReviewPacket, ReviewSignOff

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


def current_packet_states(cycle_id: int) -> dict[int, str]:
    """The status of each current packet of one cycle, by id: ``current_packets`` for the few
    hundred rows of a cycle, read plainly and the latest versions picked here.

    The last packet task of a cycle asks this while the table's statistics may still predate
    the cycle's packets, when the planner can take the anti-join for a nested loop over the
    whole cycle; the plain read has one plan.
    """
    latest: dict[tuple[str, int], tuple[int, int, str]] = {}
    rows = ReviewPacket.objects.filter(cycle_id=cycle_id).values_list(
        "scope", "scope_id", "version", "pk", "status"
    )
    for scope, scope_id, version, pk, status in rows:
        found = latest.get((scope, scope_id))
        if found is None or version > found[0]:
            latest[(scope, scope_id)] = (version, pk, status)
    return {pk: status for _, pk, status in latest.values()}


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


def _binding_days(contract: Contract, year: int) -> tuple[date, date | None] | None:
    """The revision's ``in_force_days`` if they overlap the year; None if it never bound in
    the year."""
    first, last = in_force_days(contract)
    year_first, year_last = year_days(year)
    return (first, last) if first <= year_last and (last is None or last >= year_first) else None


# --- counts -----------------------------------------------------------------------------------


CountsKey = tuple[int, str, Decimal | None]


def monthly_counts(year: int, wanted: set[CountsKey]) -> dict:
    """Σgood/Σtotal per month of ``year`` for each (indicator, timezone, slice target) wanted.

    One GROUP BY per (timezone, slice target) pair, for all the indicators that need it.
    """
    result: dict[CountsKey, list[packets.Counts]] = {}
    groups: dict[tuple[str, Decimal | None], set[int]] = defaultdict(set)
    for indicator_id, tz, slice_target in wanted:
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


# --- history ----------------------------------------------------------------------------------


def _changes(model_name: str, records, labels, year: int) -> list[packets.Change]:
    """History entries of the year, each diffed against the record before it (even if older)."""
    by_object: dict[int, list] = defaultdict(list)
    for record in records:
        by_object[record.id].append(record)
    first, last = year_days(year)
    changes = []
    for object_id, rows in by_object.items():
        # Each record named as it was then (an SLO renamed since keeps its old name there).
        for entry in entries_for_records(rows, labels):
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


def _history(model, year: int, *conditions, **filters) -> list:
    end = datetime(year + 1, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC"))
    return list(
        model.history.model.objects.filter(*conditions, history_date__lt=end, **filters)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )


def _in_history_order(groups) -> list:
    return sorted(
        (r for group in groups for r in group), key=lambda r: (r.history_date, r.history_id)
    )


# --- the figures of many packets at once ------------------------------------------------------


class PacketFigures:
    """The figures of the packets of a year for the services and customers given, in a fixed
    number of queries whatever their number: one GROUP BY over the samples per timezone in play
    (usually one), one query per history table, a dozen for the rows, and one GROUP BY over the
    support desk's breached clocks.

    A service packet holds its SLOs (active, or retired but changed in or after the year), the
    SLA lines on its indicators binding during the year, the year's changes to those SLOs, lines,
    their waivers and the buffer policies that apply, and the renewals of contracts with lines on
    it; a customer packet its contracts binding during the year, their lines and its renewals.
    """

    def __init__(self, year: int, *, service_ids=(), customer_ids=()):
        self.year = year
        self.service_ids = set(service_ids)
        self.customer_ids = set(customer_ids)
        services, customers = self.service_ids, self.customer_ids
        self.services = {
            s.pk: s for s in Service.objects.filter(pk__in=services).select_related("team")
        }
        self.customers = dict(Customer.objects.filter(pk__in=customers).values_list("pk", "name"))
        self.indicators = {}
        # Services with support indicators: their packets show the support desk's breaches.
        self.support_services = set()
        for pk, service_id, name, kind in Indicator.objects.filter(
            service_id__in=services
        ).values_list("id", "service_id", "name", "kind"):
            self.indicators[pk] = (service_id, name)
            if kind in SUPPORT_KINDS:
                self.support_services.add(service_id)
        year_start = datetime(year, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC"))
        # Active SLOs, and retired ones that still changed (so were live) in or after the year.
        touched = SLO.history.model.objects.filter(id=OuterRef("pk"), history_date__gte=year_start)
        self.slos: dict[int, list[SLO]] = defaultdict(list)
        for slo in (
            SLO.objects.filter(indicator__service_id__in=services)
            .filter(Q(status=SloStatus.ACTIVE) | Q(status=SloStatus.RETIRED) & Exists(touched))
            .select_related("indicator")
            .order_by("id")
        ):
            self.slos[slo.indicator.service_id].append(slo)
        self._load_counts()
        # The customers' contracts and those of the lines (on the services' indicators), once.
        self._contracts = {
            c.pk: c
            for c in Contract.objects.filter(
                Q(customer_id__in=customers) | Q(pk__in={row[1] for row in self._rows}),
                _overlapping_year(year),
            )
            .select_related("customer", "next_revision")
            .order_by("number", "revision")
        }
        # Each contract's binding days in the year (None: it never bound in it), worked out once.
        self._binding = {pk: _binding_days(c, year) for pk, c in self._contracts.items()}
        self.contracts: dict[int, list[Contract]] = defaultdict(list)
        for pk, contract in self._contracts.items():
            if contract.customer_id in customers and self._binding[pk]:
                self.contracts[contract.customer_id].append(contract)
        self._load_lines()
        self._load_renewals()
        self._load_history()
        first, last = year_days(year)
        self.breaches = support_metrics.breaches_by_cause_of(
            service_ids=services, customer_ids=customers, start=first, end=last
        )

    def _load_counts(self) -> None:
        """The lines whose revision overlaps the year, and the monthly counts of their
        indicators (in their contract's timezone), of the SLOs and of every SLO that may back a
        line (the active SLOs of the lines' services). A revision that turns out not to bind in
        the year after all (see ``_load_lines``) only adds counts nobody reads."""
        self._rows = list(
            Commitment.objects.filter(
                Q(indicator__service_id__in=self.service_ids)
                | Q(contract__customer_id__in=self.customer_ids),
                contract__in=Contract.objects.filter(_overlapping_year(self.year)),
            )
            .order_by("id")
            .values_list(
                "id",
                "contract_id",
                "indicator_id",
                "target",
                "period",
                "credit_schedule_id",
                "contract__timezone",
            )
        )
        indicators = Indicator.objects.filter(pk__in={row[2] for row in self._rows})
        self._line_indicators = {i.pk: i for i in indicators.select_related("service")}
        # The alignment of every line now, with its policy (see _load_lines).
        self._batch = AlignmentBatch(list(self._line_indicators.values()), check_risk=False)
        wanted = {_slo_key(s) for slos in self.slos.values() for s in slos}
        wanted |= {_slo_key(s) for slos in self._batch.slos.values() for s in slos}
        wanted |= {(row[2], row[6] or "UTC", None) for row in self._rows}
        self.counts: dict[CountsKey, list[packets.Counts]] = {key: [] for key in wanted}
        self.counts.update(monthly_counts(self.year, wanted))

    def _load_lines(self) -> None:
        """The lines binding during the year on the services' indicators or of the customers'
        contracts (read by ``_load_counts``), each turned into figures once (a line shows in
        two packets), with their schedules: one more query."""
        rows, indicators, batch = self._rows, self._line_indicators, self._batch
        contracts, binding = self._contracts, self._binding
        # A contract changed since the lines were read (no longer in force) binds nothing.
        rows = [row for row in rows if binding.get(row[1])]
        schedules = {
            s.pk: (s.as_tiers(), s.cap_percent)
            for s in CreditSchedule.objects.filter(
                pk__in={row[5] for row in rows if row[5] is not None}
            ).prefetch_related("tiers")
        }
        # Once per indicator and target.
        targets = {(row[2], str(row[3])): row[3] for row in rows}
        verdicts = {
            key: batch.evaluate(indicators[key[0]], target) for key, target in targets.items()
        }
        self.lines_of_service: dict[int, list[packets.LineFigures]] = defaultdict(list)
        self.lines_of_customer: dict[int, list[packets.LineFigures]] = defaultdict(list)
        for pk, contract_id, indicator_id, target, period, schedule_id, _ in rows:
            contract, indicator = contracts[contract_id], indicators[indicator_id]
            result = verdicts[(indicator_id, str(target))]
            tiers, cap_percent = schedules.get(schedule_id, ([], None))
            first, last = binding[contract_id]
            slo = result.slo
            line = packets.LineFigures(
                commitment_id=pk,
                contract_id=contract_id,
                contract_number=contract.number,
                revision=contract.revision,
                customer_id=contract.customer_id,
                customer=contract.customer.name,
                service_id=indicator.service_id,
                service=indicator.service.name,
                indicator_id=indicator_id,
                indicator=indicator.name,
                target=target,
                period=period,
                monthly_fee=contract.monthly_fee,
                currency=contract.currency,
                tiers=tiers,
                cap_percent=cap_percent,
                in_force_from=first,
                in_force_until=last,
                months=self.counts[(indicator_id, contract.timezone or "UTC", None)],
                buffer=packets.BufferFigures(
                    verdict=result.verdict.value,
                    reasons=list(result.alignment.reasons),
                    slo_id=slo.pk if slo else None,
                    slo_target=slo.target if slo else None,
                    buffer_ratio=result.alignment.buffer_ratio,
                    margin=result.alignment.margin,
                    safe_maximum=result.safe_maximum,
                    policy=batch.policy_for(indicator.service_id),
                    slo_months=self.counts[_slo_key(slo)] if slo else [],
                ),
            )
            self.lines_of_service[indicator.service_id].append(line)
            self.lines_of_customer[contract.customer_id].append(line)

    def _load_renewals(self) -> None:
        """Signed contracts renewing in the 12 months after the reviewed year: two queries."""
        first, last = year_days(self.year + 1)
        rows = (
            Contract.objects.filter(
                Q(customer_id__in=self.customer_ids)
                | Q(commitments__indicator__service_id__in=self.service_ids),
                status=ContractStatus.SIGNED,
                renewal_date__range=(first, last),
            )
            .distinct()
            .values_list(
                "pk",
                "number",
                "customer__name",
                "renewal_date",
                "monthly_fee",
                "currency",
                "customer_id",
            )
        )
        renewals = {row[0]: (packets.Renewal(*row[:6]), row[6]) for row in rows}
        self.renewals_of_customer: dict[int, list[packets.Renewal]] = defaultdict(list)
        for renewal, customer_id in renewals.values():
            self.renewals_of_customer[customer_id].append(renewal)
        self.renewals_of_service: dict[int, list[packets.Renewal]] = defaultdict(list)
        pairs = (
            Commitment.objects.filter(contract_id__in=list(renewals))
            .values_list("contract_id", "indicator__service_id")
            .order_by("contract_id")
            .distinct()
        )
        for contract_id, service_id in pairs:
            self.renewals_of_service[service_id].append(renewals[contract_id][0])

    def _load_history(self) -> None:
        """Every record of the four history tables up to the year's end, grouped by service:
        one query per table."""
        year, indicators = self.year, self.indicators
        self.slo_history: dict[int, list] = defaultdict(list)
        self.line_history: dict[int, list] = defaultdict(list)
        self.waiver_history: dict[int, list] = defaultdict(list)
        self.policy_history: dict[int | None, list] = defaultdict(list)
        if not self.service_ids:
            return
        for record in _history(SLO, year, indicator_id__in=list(indicators)):
            self.slo_history[indicators[record.indicator_id][0]].append(record)
        commitment_ids = set()
        for record in _history(Commitment, year, indicator_id__in=list(indicators)):
            self.line_history[indicators[record.indicator_id][0]].append(record)
            commitment_ids.add(record.id)
        for record in _history(Waiver, year, commitment_id__in=commitment_ids):
            self.waiver_history[record.commitment_id].append(record)
        policies = _history(
            BufferPolicy, year, Q(service_id__in=self.service_ids) | Q(service_id=None)
        )
        for record in policies:
            self.policy_history[record.service_id].append(record)

    # --- one packet -------------------------------------------------------------------

    def _changes(self, service: Service) -> list[packets.Change]:
        year, indicators = self.year, self.indicators

        def name(record):
            return indicators[record.indicator_id][1]

        lines = self.line_history[service.pk]
        commitment_ids = {record.id for record in lines}
        waivers = _in_history_order(self.waiver_history[pk] for pk in commitment_ids)
        policies = _in_history_order([self.policy_history[service.pk], self.policy_history[None]])
        return [
            *_changes(
                "slo", self.slo_history[service.pk], lambda r: f"SLO {r.name or name(r)}", year
            ),
            *_changes("commitment", lines, lambda r: f"SLA line #{r.id} ({name(r)})", year),
            *_changes(
                "waiver",
                waivers,
                lambda r: f"Waiver #{r.id} on SLA line #{r.commitment_id}",
                year,
            ),
            *_changes(
                "bufferpolicy",
                policies,
                lambda r: f"Buffer policy ({service.name if r.service_id else 'global'})",
                year,
            ),
        ]

    def service_packet(self, service_id: int) -> dict:
        """The ``data`` of the service's packet."""
        service = self.services.get(service_id)
        if service is None:
            raise Service.DoesNotExist(f"No service {service_id}.")
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
                months=self.counts[_slo_key(slo)],
            )
            for slo in self.slos[service_id]
        ]
        return packets.service_packet(
            year=self.year,
            service={
                "id": service.pk,
                "slug": service.slug,
                "name": service.name,
                "team": service.team.name,
            },
            slos=slo_figures,
            lines=self.lines_of_service[service_id],
            changes=self._changes(service),
            renewals=self.renewals_of_service[service_id],
            support_breaches=self._support_breaches(
                "service", service_id, service_id in self.support_services
            ),
        )

    def _support_breaches(self, scope: str, scope_id: int, has_support: bool) -> dict | None:
        """The section on support breaches of a packet whose scope has support indicators
        (lines) or breached tickets; None for the others, whose packets stay as they were."""
        counts = self.breaches.get((scope, scope_id), [])
        if not has_support and not counts:
            return None
        return packets.support_breach_section(self.year, counts)

    def customer_packet(self, customer_id: int) -> dict:
        """The ``data`` of the customer's packet."""
        if customer_id not in self.customers:
            raise Customer.DoesNotExist(f"No customer {customer_id}.")
        contract_rows = []
        for contract in self.contracts[customer_id]:
            first, last = self._binding[contract.pk]
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
            year=self.year,
            customer={"id": customer_id, "name": self.customers[customer_id]},
            contracts=contract_rows,
            lines=self.lines_of_customer[customer_id],
            renewals=self.renewals_of_customer[customer_id],
            support_breaches=self._support_breaches(
                "customer",
                customer_id,
                any(
                    self._line_indicators[line.indicator_id].kind in SUPPORT_KINDS
                    for line in self.lines_of_customer[customer_id]
                ),
            ),
        )

    def packet(self, scope: str, scope_id: int) -> dict:
        """The ``data`` of the packet of this scope."""
        if scope == "service":
            return self.service_packet(scope_id)
        return self.customer_packet(scope_id)


def packet_figures(year: int, scopes) -> PacketFigures:
    """The figures of the packets of these (scope, scope id) pairs, loaded together."""
    return PacketFigures(
        year,
        service_ids={scope_id for scope, scope_id in scopes if scope == "service"},
        customer_ids={scope_id for scope, scope_id in scopes if scope == "customer"},
    )


def service_packet_data(service_id: int, year: int) -> dict:
    return PacketFigures(year, service_ids=[service_id]).service_packet(service_id)


def customer_packet_data(customer_id: int, year: int) -> dict:
    return PacketFigures(year, customer_ids=[customer_id]).customer_packet(customer_id)


@dataclass(frozen=True)
class RoleSignOff:
    """One role a packet needs signed off, and its sign-off (None while it is missing)."""

    role: str
    label: str
    signoff: ReviewSignOff | None


def signoff_status(signoffs) -> list[RoleSignOff]:
    """Every role that signs a packet off, in order, with the packet's sign-off for it."""
    by_role = {signoff.role: signoff for signoff in signoffs}
    return [RoleSignOff(role.value, role.label, by_role.get(role.value)) for role in SignOffRole]
