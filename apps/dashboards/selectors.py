"""Reads for the leadership dashboards: every figure aggregated in SQL, in a fixed number of
queries whatever the number of contracts.

A figure and the list behind it share one queryset builder, so the list shows exactly the rows
the figure counts. Counts per GROUP BY; money per currency (fees in different currencies are
never added up).
"""

from __future__ import annotations

import statistics
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from apps.contracts import credits, owed
from apps.contracts.choices import TERMINAL_STATES, ContractStatus
from apps.contracts.models import Commitment, Contract, CreditTier, SignOff
from apps.drift.selectors import open_events
from apps.measurements import maths, periods
from apps.measurements.risk import slo_risks
from apps.measurements.selectors import period_totals
from apps.reviews.models import ReviewCycle
from apps.reviews.selectors import cycles_with_progress
from apps.slos.alignment import NEEDS_WAIVER, RISK_ORDER, Verdict
from apps.slos.choices import SloStatus
from apps.slos.models import SLO

from .filters import Filters

# Safest first, as the contract pages order their badges.
VERDICTS = sorted(Verdict, key=RISK_ORDER.__getitem__)
RENEWAL_WINDOWS = {"90d": "the next 90 days", "12m": "the next 12 months"}


# --- scopes -------------------------------------------------------------------------------------


def _narrow_lines(lines: QuerySet, filters: Filters) -> QuerySet:
    if filters.team_id:
        lines = lines.filter(indicator__service__team_id=filters.team_id)
    if filters.customer_id:
        lines = lines.filter(contract__customer_id=filters.customer_id)
    return lines


def live_lines(filters: Filters) -> QuerySet[Commitment]:
    """SLA lines of revisions that are signed or on their way to signature."""
    return _narrow_lines(Commitment.objects.exclude(contract__status__in=TERMINAL_STATES), filters)


def signed_lines(filters: Filters) -> QuerySet[Commitment]:
    """SLA lines of the revisions in force now."""
    return _narrow_lines(Commitment.objects.filter(contract__status=ContractStatus.SIGNED), filters)


def _drifted() -> Exists:
    return Exists(open_events().filter(commitment=OuterRef("pk")))


def _current_signoff() -> Exists:
    return Exists(SignOff.objects.filter(commitment=OuterRef("pk"), voided_at__isnull=True))


def drifted_lines(filters: Filters) -> QuerySet[Commitment]:
    """Signed lines with an unresolved drift event (DRIFTED, see apps/drift/selectors.py)."""
    return signed_lines(filters).filter(_drifted())


def waiting_lines(filters: Filters) -> QuerySet[Commitment]:
    """Lines of revisions under review that no engineer has decided on yet."""
    lines = Commitment.objects.filter(contract__status=ContractStatus.IN_REVIEW)
    return _narrow_lines(lines, filters).filter(~_current_signoff())


def scoped_slos(filters: Filters) -> QuerySet[SLO]:
    """Active SLOs of the team's services, or of the services the customer has live lines on."""
    slos = SLO.objects.filter(status=SloStatus.ACTIVE)
    if filters.team_id:
        slos = slos.filter(indicator__service__team_id=filters.team_id)
    if filters.customer_id:
        services = live_lines(Filters(year=filters.year, customer_id=filters.customer_id))
        slos = slos.filter(indicator__service_id__in=services.values("indicator__service_id"))
    return slos


# --- SLO risk and budgets -------------------------------------------------------------------------


@dataclass(frozen=True)
class SloHealth:
    """Active SLOs in scope with their budget and risk, from one batched risk evaluation."""

    slos: list[SLO]
    exhausted_ids: list[int]
    at_risk_ids: list[int]
    risks: dict


def slo_health(filters: Filters, at: datetime | None = None) -> SloHealth:
    """Three queries: the SLOs, then AT_RISK and window budgets for all of them at once."""
    slos = list(
        scoped_slos(filters)
        .select_related("indicator__service")
        .order_by("indicator__service__name", "indicator__name", "id")
    )
    risks = slo_risks(slos, at=at or timezone.now())
    return SloHealth(
        slos=slos,
        exhausted_ids=[s.pk for s in slos if risks[s.pk].budget.exhausted],
        at_risk_ids=[s.pk for s in slos if risks[s.pk].at_risk],
        risks=risks,
    )


# --- exposure -----------------------------------------------------------------------------------


def risky_lines(filters: Filters, at_risk_slo_ids: list[int]) -> QuerySet[Commitment]:
    """Signed lines that need a waiver (MISMATCH, THIN, NO_SLO), have drifted, or stand on an
    SLO that is itself being missed (an at-risk SLO of the same service and indicator kind)."""
    risky = Q(verdict__in=[v.value for v in NEEDS_WAIVER]) | Q(_drifted())
    if at_risk_slo_ids:
        risky |= Q(
            Exists(
                SLO.objects.filter(
                    pk__in=at_risk_slo_ids,
                    indicator__service_id=OuterRef("indicator__service_id"),
                    indicator__kind=OuterRef("indicator__kind"),
                )
            )
        )
    return signed_lines(filters).filter(risky)


def scoped_contracts(filters: Filters) -> QuerySet[Contract]:
    """Contracts of the customer, with a line on one of the team's services."""
    contracts = Contract.objects.all()
    if filters.customer_id:
        contracts = contracts.filter(customer_id=filters.customer_id)
    if filters.team_id:
        lines = Commitment.objects.filter(
            contract=OuterRef("pk"), indicator__service__team_id=filters.team_id
        )
        contracts = contracts.filter(Exists(lines))
    return contracts


def exposed_contracts(filters: Filters, at_risk_slo_ids: list[int]) -> QuerySet[Contract]:
    """Signed contracts with at least one risky line (see ``risky_lines``)."""
    lines = risky_lines(filters, at_risk_slo_ids).filter(contract=OuterRef("pk"))
    contracts = Contract.objects.filter(status=ContractStatus.SIGNED).filter(Exists(lines))
    if filters.customer_id:
        contracts = contracts.filter(customer_id=filters.customer_id)
    return contracts


def _a_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def renewal_bounds(window: str, today: date) -> tuple[date, date]:
    """[today, last day] of a renewal window, both days included."""
    if window == "90d":
        return today, today + timedelta(days=90)
    if window == "12m":
        return today, _a_year_after(today)
    raise ValueError(f"Unknown renewal window {window!r}: expected 90d or 12m.")


def renewing_contracts(filters: Filters, window: str, today: date) -> QuerySet[Contract]:
    """Signed contracts whose renewal date falls in the window."""
    first, last = renewal_bounds(window, today)
    return scoped_contracts(filters).filter(
        status=ContractStatus.SIGNED, renewal_date__range=(first, last)
    )


# --- credits ------------------------------------------------------------------------------------


def _with_terms(lines: QuerySet, first: date, end: date) -> QuerySet:
    """Lines in force at some point of [first, end), annotated with the months their term starts
    and ends in, clamped to the period: all that decides which periods a line owes for."""
    last_month = maths.add_months(end, -1)
    return (
        lines.filter(credit_schedule__isnull=False, contract__start_date__lt=end)
        .filter(Q(contract__end_date__isnull=True) | Q(contract__end_date__gte=first))
        .annotate(
            term_first=Case(
                When(contract__start_date__lt=first, then=Value(first)),
                default=TruncMonth("contract__start_date"),
                output_field=DateField(),
            ),
            term_last=Case(
                When(
                    Q(contract__end_date__isnull=True) | Q(contract__end_date__gte=end),
                    then=Value(last_month),
                ),
                default=TruncMonth("contract__end_date"),
                output_field=DateField(),
            ),
        )
    )


@dataclass(frozen=True)
class _Terms:
    """What decides a line's credits (many lines share it: they are counted once)."""

    indicator_id: int
    period: str
    schedule_id: int
    timezone: str
    currency: str
    monthly_fee: Decimal
    first_month: date
    last_month: date


_GROUP_FIELDS = (
    "indicator_id",
    "period",
    "credit_schedule_id",
    "contract__timezone",
    "contract__currency",
    "contract__monthly_fee",
    "term_first",
    "term_last",
)


def _day(value) -> date:
    # PostgreSQL's date_trunc answers a timestamp even for a date column.
    return value.date() if isinstance(value, datetime) else value


def _terms(row) -> _Terms:
    values = [row[name] for name in _GROUP_FIELDS]
    return _Terms(*values[:-2], _day(values[-2]), _day(values[-1]))


def _schedules(schedule_ids) -> dict[int, tuple[list[credits.Tier], Decimal | None]]:
    """Tiers and cap of each schedule: one query."""
    found: dict[int, tuple[list, Decimal | None]] = {}
    tiers = CreditTier.objects.filter(schedule_id__in=schedule_ids).select_related("schedule")
    for tier in tiers.order_by("schedule_id", "-upper", "id"):
        found.setdefault(tier.schedule_id, ([], tier.schedule.cap_percent))[0].append(
            tier.as_tier()
        )
    return found


def _local_midnight(day: date, zone) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _months(terms: list[_Terms], first: date, end: date, now: datetime) -> dict:
    """Monthly counts per (timezone, indicator) of the period's months that are over: one
    GROUP BY per contract timezone in play (usually one)."""
    by_zone: dict[str, set[int]] = defaultdict(set)
    for term in terms:
        by_zone[term.timezone or "UTC"].add(term.indicator_id)
    months = {}
    for tz, indicator_ids in sorted(by_zone.items()):
        zone = zoneinfo.ZoneInfo(tz)
        current_month = now.astimezone(zone).date().replace(day=1)
        stop = min(end, current_month)
        if stop <= first:
            continue
        totals = period_totals(
            sorted(indicator_ids),
            "month",
            _local_midnight(first, zone),
            _local_midnight(stop, zone),
            tz,
        )
        for indicator_id, rows in totals.items():
            months[(tz, indicator_id)] = [
                periods.Counts(row.period_start, row.good, row.total) for row in rows
            ]
    return months


class _Percents:
    """Credit % per period of each (timezone, indicator, period kind, schedule), computed once
    for all the lines (or groups of lines) that share them."""

    def __init__(self, months: dict, schedules: dict):
        self.months, self.schedules, self.found = months, schedules, {}

    def credits(self, term: _Terms, target=None, *, all_periods=False) -> list[owed.PeriodCredit]:
        """The periods the line owes for (``all_periods``: also those crediting nothing)."""
        zone = term.timezone or "UTC"
        key = (zone, term.indicator_id, term.period, term.schedule_id)
        if key not in self.found:
            tiers, cap = self.schedules.get(term.schedule_id, ([], None))
            self.found[key] = owed.period_percents(
                self.months.get((zone, term.indicator_id), []),
                period=term.period,
                tiers=tiers,
                cap_percent=cap,
            )
        crediting = self.found[key] if all_periods else [p for p in self.found[key] if p.percent]
        return owed.owed_periods(
            crediting,
            period=term.period,
            monthly_fee=term.monthly_fee,
            # The months of the first and last days in force: a period counts for the same
            # months as for those days (periods.counts_for).
            first=term.first_month,
            last=term.last_month,
            target=target,
        )


@dataclass(frozen=True)
class CreditsOwed:
    """Credits owed over the period's past measurement periods, per currency and per month."""

    by_currency: dict[str, Decimal]
    by_period: dict[tuple[date, str], Decimal]
    lines_owing: int

    @property
    def currencies(self) -> list[str]:
        return sorted(self.by_currency)


def credits_owed(filters: Filters, now: datetime | None = None, lines=None) -> CreditsOwed:
    """Σ over signed lines (or ``lines``) of the credit of each past period in the filters'
    period. Lines are grouped in SQL by what decides their credit (indicator, schedule, fee,
    term…), so the maths runs once per group: three queries, plus one per extra timezone."""
    now = now or timezone.now()
    first, end = filters.first_day, filters.end_day
    lines = signed_lines(filters) if lines is None else lines
    rows = list(
        _with_terms(lines, first, end)
        .values(*_GROUP_FIELDS)
        .annotate(line_count=Count("id"))
        .order_by()
    )
    terms = [_terms(row) for row in rows]
    if not terms:
        return CreditsOwed({}, {}, 0)
    schedules = _schedules({term.schedule_id for term in terms})
    percents = _Percents(_months(terms, first, end, now), schedules)
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    by_period: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    owing = 0
    for term, row in zip(terms, rows, strict=True):
        amounts = [p for p in percents.credits(term) if p.amount]
        if amounts:
            owing += row["line_count"]
        for credit in amounts:
            by_currency[term.currency] += credit.amount * row["line_count"]
            by_period[(credit.start, term.currency)] += credit.amount * row["line_count"]
    return CreditsOwed(dict(by_currency), dict(by_period), owing)


@dataclass(frozen=True)
class LineCredit:
    """One signed line that owes credits in the period, with what it owes."""

    line: Commitment
    periods: list[owed.PeriodCredit]
    # The schedule that priced the periods, so a page can say which tier paid each.
    tiers: list[credits.Tier] = field(default_factory=list)
    cap_percent: Decimal | None = None

    @property
    def amount(self) -> Decimal:
        return sum((p.amount for p in self.periods), Decimal(0))

    @property
    def breaches(self) -> int:
        return sum(1 for p in self.periods if p.breached)


def lines_owing_credits(filters: Filters, now: datetime | None = None) -> list[LineCredit]:
    """The lines behind the credits figure, each with its periods: the same maths per line."""
    now = now or timezone.now()
    first, end = filters.first_day, filters.end_day
    lines = list(
        _with_terms(signed_lines(filters), first, end)
        .select_related("contract__customer", "indicator__service")
        .order_by("contract__number", "contract__revision", "id")
    )
    terms = {
        line.pk: _Terms(
            line.indicator_id,
            line.period,
            line.credit_schedule_id,
            line.contract.timezone,
            line.contract.currency,
            line.contract.monthly_fee,
            _day(line.term_first),
            _day(line.term_last),
        )
        for line in lines
    }
    if not terms:
        return []
    schedules = _schedules({term.schedule_id for term in terms.values()})
    percents = _Percents(_months(list(terms.values()), first, end, now), schedules)
    result = []
    for line in lines:
        periods = percents.credits(terms[line.pk], line.target, all_periods=True)
        if any(p.amount for p in periods):
            tiers, cap = schedules.get(line.credit_schedule_id, ([], None))
            result.append(LineCredit(line, periods, tiers, cap))
    return result


# --- approvals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """Lines waiting for an engineering decision, and how long since their contract was
    submitted."""

    count: int
    oldest: timedelta | None
    median: timedelta | None


def approvals_waiting(filters: Filters, now: datetime | None = None) -> Waiting:
    """One GROUP BY on the submission instant (the lines of a contract share it)."""
    now = now or timezone.now()
    rows = (
        waiting_lines(filters)
        .values("contract__submitted_at")
        .annotate(lines=Count("id"))
        .order_by("contract__submitted_at")
    )
    ages, count = [], 0
    for row in rows:
        count += row["lines"]
        if row["contract__submitted_at"] is not None:
            ages += [now - row["contract__submitted_at"]] * row["lines"]
    if not ages:
        return Waiting(count, None, None)
    return Waiting(count, max(ages), statistics.median_low(ages))


# --- the portfolio ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exposure:
    currency: str
    contracts: int
    monthly_fees: Decimal


@dataclass(frozen=True)
class ReviewProgress:
    cycle: ReviewCycle | None
    ready: int = 0
    total: int = 0


@dataclass(frozen=True)
class Portfolio:
    """Every figure of the portfolio page."""

    filters: Filters
    verdicts: list[tuple[str, int]]
    credits: CreditsOwed
    exposure: list[Exposure]
    exposed_count: int
    at_risk_slos: int
    exhausted_slos: int
    active_slos: int
    waiting: Waiting
    drifted: int
    renewals: dict[str, int]
    review: ReviewProgress
    today: date = field(default_factory=timezone.localdate)

    @property
    def line_total(self) -> int:
        return sum(count for _, count in self.verdicts)


def verdict_counts(filters: Filters) -> list[tuple[str, int]]:
    """Live lines per verdict, every verdict listed (zero when none): one GROUP BY."""
    counts = dict(
        live_lines(filters).values("verdict").annotate(n=Count("id")).values_list("verdict", "n")
    )
    return [(verdict.value, counts.get(verdict.value, 0)) for verdict in VERDICTS]


def exposure(filters: Filters, at_risk_slo_ids: list[int]) -> list[Exposure]:
    rows = (
        exposed_contracts(filters, at_risk_slo_ids)
        .values("currency")
        .annotate(contracts=Count("id"), fees=Sum("monthly_fee"))
        .order_by("currency")
    )
    # SQLite's SUM drops the decimal places; money always shows to the cent.
    return [
        Exposure(row["currency"], row["contracts"], Decimal(row["fees"]).quantize(credits.CENT))
        for row in rows
    ]


def renewal_counts(filters: Filters, today: date) -> dict[str, int]:
    """Signed contracts renewing in each window: one query with a filtered count per window."""
    counts = {}
    for window in RENEWAL_WINDOWS:
        first, last = renewal_bounds(window, today)
        counts[window] = Count("id", filter=Q(renewal_date__range=(first, last)))
    return scoped_contracts(filters).filter(status=ContractStatus.SIGNED).aggregate(**counts)


def review_progress() -> ReviewProgress:
    """Ready and total current packets of the latest cycle: one query."""
    cycle = cycles_with_progress().order_by("-year").first()
    if cycle is None:
        return ReviewProgress(None)
    return ReviewProgress(cycle, cycle.packets_ready, cycle.packets_total)


def portfolio(filters: Filters, now: datetime | None = None) -> Portfolio:
    """The portfolio's figures in a fixed number of queries (about a dozen)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    health = slo_health(filters, now)
    exposed = exposure(filters, health.at_risk_ids)
    return Portfolio(
        filters=filters,
        verdicts=verdict_counts(filters),
        credits=credits_owed(filters, now),
        exposure=exposed,
        exposed_count=sum(row.contracts for row in exposed),
        at_risk_slos=len(health.at_risk_ids),
        exhausted_slos=len(health.exhausted_ids),
        active_slos=len(health.slos),
        waiting=approvals_waiting(filters, now),
        drifted=drifted_lines(filters).count(),
        renewals=renewal_counts(filters, today),
        review=review_progress(),
        today=today,
    )
