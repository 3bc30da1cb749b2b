"""Demo data for a local portal: people, catalog, SLOs, credit schedules and a contract in every
state, built through the services so that history shows real users and reasons.

LOCAL ONLY: every demo user has the password ``covenant-demo``.

``seed(stdout)`` runs the steps in ``STEPS`` inside one transaction. Each step is idempotent: it
finds what an earlier run made (by natural key) and creates only what is missing, so running the
command twice changes nothing. Later sections (SLI history, review cycles) add a step to STEPS.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from apps.catalog.choices import IndicatorKind, IndicatorSource
from apps.catalog.models import Customer, Indicator, Service, Team
from apps.contracts import services
from apps.contracts.choices import Decision, Period
from apps.contracts.models import Commitment, Contract, CreditSchedule, CreditTier
from apps.core.roles import ENGINEERING, LEADERSHIP, LEGAL, SALES
from apps.measurements.demo import seed_sli_history
from apps.measurements.models import SLISample
from apps.reviews.models import ReviewCycle
from apps.reviews.services import review_cycle_open
from apps.slos.choices import SloStatus, SloWindow
from apps.slos.models import SLO, BufferPolicy

DEMO_PASSWORD = "covenant-demo"
# The first contract the demo signs: present means an earlier run completed (one transaction).
MARKER_CONTRACT = "ACME-001"

# username, first name, role, staff, team
PEOPLE = [
    ("alice", "Alice", SALES, False, None),
    ("bob", "Bob", ENGINEERING, True, "Payments"),
    ("erin", "Erin", ENGINEERING, True, "Search"),
    ("frank", "Frank", ENGINEERING, True, "Identity"),
    ("grace", "Grace", ENGINEERING, True, "Data Platform"),
    ("heidi", "Heidi", ENGINEERING, True, "Customer Support"),
    ("carol", "Carol", LEGAL, True, None),
    ("dave", "Dave", LEADERSHIP, True, None),
]
USERNAMES = [person[0] for person in PEOPLE] + ["admin"]
TEAMS = ["Payments", "Search", "Identity", "Data Platform", "Customer Support"]

# slug, name, team, availability SLO %, latency threshold (ms), latency SLO %
SERVICES = [
    ("payments-api", "Payments API", "Payments", "99.9", 300, "99.0"),
    ("checkout", "Checkout", "Payments", "99.9", 500, "99.0"),
    ("billing-ledger", "Billing Ledger", "Payments", "99.9", 1000, "99.5"),
    ("search-api", "Search API", "Search", "99.9", 200, "99.0"),
    ("indexer", "Indexer", "Search", "99.5", 60000, "95.0"),
    ("autocomplete", "Autocomplete", "Search", "99.9", 100, "95.0"),
    ("auth-service", "Auth Service", "Identity", "99.99", 250, "99.5"),
    ("user-directory", "User Directory", "Identity", "99.95", 300, "99.0"),
    ("mfa-gateway", "MFA Gateway", "Identity", "99.95", 400, "99.0"),
    ("data-warehouse", "Data Warehouse", "Data Platform", "99.5", 5000, "95.0"),
    ("event-stream", "Event Stream", "Data Platform", "99.9", 1000, "99.0"),
]
SUPPORT_SERVICE = ("support-desk", "Support Desk", "Customer Support")
# indicator name, kind, threshold (minutes), SLO %
SUPPORT_INDICATORS = [
    ("P1 first response within 15 min", IndicatorKind.SUPPORT_RESPONSE, 15, "97"),
    ("P2 first response within 60 min", IndicatorKind.SUPPORT_RESPONSE, 60, "95"),
    ("P1 resolution within 240 min", IndicatorKind.SUPPORT_RESOLUTION, 240, "95"),
    ("P2 resolution within 480 min", IndicatorKind.SUPPORT_RESOLUTION, 480, "90"),
]

# Modelled on published cloud SLAs: "less than X % but equal to or greater than Y %".
# name, cap %, tiers as (lower, upper, credit %)
CREDIT_SCHEDULES = [
    (
        "Compute style: 99.99 / 99.0 / 95.0",
        None,
        [("99.0", "99.99", 10), ("95.0", "99.0", 25), (None, "95.0", 100)],
    ),
    (
        "Managed database style: 99.95 / 99.0 / 95.0",
        None,
        [("99.0", "99.95", 10), ("95.0", "99.0", 25), (None, "95.0", 100)],
    ),
    (
        "Storage style: 99.9 / 99.0, capped at 50 %",
        "50",
        [("99.0", "99.9", 10), (None, "99.0", 25)],
    ),
]

CUSTOMERS = [
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Logistics",
    "Wayne Retail",
    "Tyrell Analytics",
    "Soylent Foods",
]


@dataclass
class Demo:
    """What the steps built so far, by natural key, and where to report."""

    out: TextIO
    users: dict[str, Model] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    indicators: dict[tuple[str, str], Indicator] = field(default_factory=dict)
    schedules: list[CreditSchedule] = field(default_factory=list)
    customers: dict[str, Customer] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, created: bool) -> None:
        self.created[what] = self.created.get(what, 0) + int(created)

    def engineer_of(self, team_name: str):
        return next(self.users[username] for username, _, _, _, team in PEOPLE if team == team_name)


def _ensure(model, *, user, reason: str, defaults: dict | None = None, **lookup):
    """The row matching ``lookup``, created (validated, with history user and reason) if missing."""
    found = model.objects.filter(**lookup).first()
    if found is not None:
        return found, False
    instance = model(**lookup, **(defaults or {}))
    instance.full_clean()
    instance._history_user = user
    instance._change_reason = reason
    instance.save()
    return instance, True


def demo_present() -> bool:
    return Contract.objects.filter(number=MARKER_CONTRACT).exists()


# --- people and catalog ------------------------------------------------------------------


def seed_users(demo: Demo) -> None:
    """One login per role (plus an engineer per team) and an ``admin`` superuser."""
    User = get_user_model()
    existing = {user.username: user for user in User.objects.filter(username__in=USERNAMES)}
    # Hashed once, and only when someone is missing: the hasher is slow on purpose.
    password = make_password(DEMO_PASSWORD) if len(existing) < len(USERNAMES) else None
    groups = {group.name: group for group in Group.objects.all()}
    for username, first_name, role, staff, _ in PEOPLE:
        user = existing.get(username)
        if user is None:
            user = User.objects.create(
                username=username,
                first_name=first_name,
                email=f"{username}@example.com",
                is_staff=staff,
                password=password,
            )
            user.groups.add(groups[role])
        demo.users[username] = user
        demo.count("users", username not in existing)
    admin = existing.get("admin") or User.objects.create(
        username="admin",
        email="admin@example.com",
        is_staff=True,
        is_superuser=True,
        password=password,
    )
    demo.users["admin"] = admin
    demo.count("users", "admin" not in existing)


def seed_teams(demo: Demo) -> None:
    admin = demo.users["admin"]
    for name in TEAMS:
        team, created = _ensure(Team, user=admin, reason="Demo team.", name=name)
        demo.teams[name] = team
        demo.count("teams", created)
    for username, _, _, _, team_name in PEOPLE:
        if team_name is None:
            continue
        team, user = demo.teams[team_name], demo.users[username]
        # Adding an existing member would still write an m2m history row.
        if not team.members.filter(pk=user.pk).exists():
            team._history_user = admin
            team.members.add(user)


def _indicator(demo, service, name, kind, *, threshold=None, unit="", source=IndicatorSource.API):
    indicator, created = _ensure(
        Indicator,
        user=demo.engineer_of(service.team.name),
        reason="Indicator defined.",
        defaults={"kind": kind, "threshold": threshold, "unit": unit, "source": source},
        service=service,
        name=name,
    )
    demo.indicators[(service.slug, name)] = indicator
    demo.count("indicators", created)
    return indicator


def _slo(demo, indicator, target: str, *, window=SloWindow.ROLLING_30D) -> SLO:
    slo, created = _ensure(
        SLO,
        user=demo.engineer_of(indicator.service.team.name),
        reason="Objective agreed by the team.",
        defaults={"target": Decimal(target), "window": window, "status": SloStatus.ACTIVE},
        indicator=indicator,
        name=indicator.name,
    )
    demo.count("SLOs", created)
    return slo


def seed_services(demo: Demo) -> None:
    """Eleven services with availability and latency SLIs, and a support desk."""
    for slug, name, team_name, availability, threshold, latency in SERVICES:
        owner = demo.engineer_of(team_name)
        service, created = _ensure(
            Service,
            user=owner,
            reason="Service registered.",
            defaults={"name": name, "team": demo.teams[team_name]},
            slug=slug,
        )
        demo.services[slug] = service
        demo.count("services", created)
        avail = _indicator(demo, service, "Availability", IndicatorKind.AVAILABILITY)
        fast = _indicator(
            demo,
            service,
            f"Latency under {threshold} ms",
            IndicatorKind.LATENCY,
            threshold=Decimal(threshold),
            unit="ms",
        )
        _slo(demo, avail, availability, window=SloWindow.MONTH)
        _slo(demo, fast, latency)
    slug, name, team_name = SUPPORT_SERVICE
    service, created = _ensure(
        Service,
        user=demo.engineer_of(team_name),
        reason="Service registered.",
        defaults={"name": name, "team": demo.teams[team_name]},
        slug=slug,
    )
    demo.services[slug] = service
    demo.count("services", created)
    for indicator_name, kind, minutes, target in SUPPORT_INDICATORS:
        indicator = _indicator(
            demo,
            service,
            indicator_name,
            kind,
            threshold=Decimal(minutes),
            unit="min",
            source=IndicatorSource.TICKETS,
        )
        _slo(demo, indicator, target, window=SloWindow.MONTH)


def seed_slo_tightening(demo: Demo) -> None:
    """Payments tightened its API's SLO after meeting 99.97 % for two quarters: real history."""
    slo = SLO.objects.get(indicator=demo.indicators[("payments-api", "Availability")])
    if slo.target >= Decimal("99.95"):
        return
    slo.target = Decimal("99.95")
    slo._history_user = demo.users["bob"]
    slo._change_reason = "Tightened: met 99.97 % for two quarters."
    slo.save()


def seed_policies(demo: Demo) -> None:
    """The global buffer (ratio 2.0) and a looser override for the batch data warehouse."""
    admin = demo.users["admin"]
    _, created = _ensure(
        BufferPolicy,
        user=admin,
        reason="Company default: SLA budget at least twice the SLO's.",
        defaults={"min_budget_ratio": Decimal("2.0"), "min_margin": Decimal("0")},
        service=None,
    )
    demo.count("buffer policies", created)
    _, created = _ensure(
        BufferPolicy,
        user=demo.users["grace"],
        reason="Batch workload: customers judge it per day, a 1.5× buffer is enough.",
        defaults={"min_budget_ratio": Decimal("1.5"), "min_margin": Decimal("0")},
        service=demo.services["data-warehouse"],
    )
    demo.count("buffer policies", created)


def seed_credit_schedules(demo: Demo) -> None:
    carol = demo.users["carol"]
    for name, cap, tiers in CREDIT_SCHEDULES:
        schedule, created = _ensure(
            CreditSchedule,
            user=carol,
            reason="Modelled on a published cloud SLA.",
            defaults={"cap_percent": Decimal(cap) if cap else None},
            name=name,
        )
        if created:
            for lower, upper, percent in tiers:
                _ensure(
                    CreditTier,
                    user=carol,
                    reason="Tier of a published cloud SLA.",
                    schedule=schedule,
                    lower=Decimal(lower) if lower else None,
                    upper=Decimal(upper),
                    credit_percent=Decimal(percent),
                )
        demo.schedules.append(schedule)
        demo.count("credit schedules", created)


def seed_customers(demo: Demo) -> None:
    alice = demo.users["alice"]
    for name in CUSTOMERS:
        customer, created = _ensure(Customer, user=alice, reason="New customer.", name=name)
        demo.customers[name] = customer
        demo.count("customers", created)


# --- contracts, one per state ------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    service: str
    indicator: str
    target: str
    schedule: int | None = None  # index into CREDIT_SCHEDULES
    period: str = Period.MONTH


def _draft(demo: Demo, number: str, customer: str, title: str, fee: str, lines, *, years_ago=0):
    today = timezone.localdate()
    start = date(today.year - years_ago, 1, 1)
    contract = services.contract_create(
        user=demo.users["alice"],
        customer=demo.customers[customer],
        number=number,
        title=title,
        monthly_fee=Decimal(fee),
        currency="EUR",
        start_date=start,
        end_date=date(start.year + 2, 12, 31),
        renewal_date=date(start.year + 2, 10, 1),
        legal_reviewer=demo.users["carol"],
    )
    for line in lines:
        _add_line(demo, contract, line)
    demo.count("contracts", True)
    return contract


def _add_line(demo: Demo, contract: Contract, line: Line) -> Commitment:
    return services.commitment_create(
        contract=contract,
        user=demo.users["alice"],
        indicator=demo.indicators[(line.service, line.indicator)],
        target=Decimal(line.target),
        period=line.period,
        credit_schedule=None if line.schedule is None else demo.schedules[line.schedule],
        exclusions="Scheduled maintenance announced 5 days ahead; customer-caused incidents.",
    )


def _engineering_approves(demo: Demo, contract: Contract, *, only=None, comment="") -> None:
    for line in contract.commitments.select_related("indicator__service__team"):
        if only is not None and line.indicator.service.slug not in only:
            continue
        services.commitment_signoff(
            commitment=line,
            user=demo.engineer_of(line.indicator.service.team.name),
            decision=Decision.APPROVE,
            comment=comment,
        )


def _legal_signs(demo: Demo, contract: Contract, *, sign=True) -> Contract:
    carol = demo.users["carol"]
    services.contract_legal_approve(contract=contract, user=carol, comment="Terms checked.")
    if sign:
        services.contract_sign(contract=contract, user=carol)
    return contract


def contract_signed(demo: Demo) -> None:
    """Acme: aligned availability and latency, plus the support priority matrix; signed."""
    contract = _draft(
        demo,
        MARKER_CONTRACT,
        "Acme Corp",
        "Payments platform, enterprise tier",
        "42000",
        [
            Line("payments-api", "Availability", "99.9", 2),
            Line("payments-api", "Latency under 300 ms", "98.0"),
            Line("support-desk", "P1 first response within 15 min", "90"),
            Line("support-desk", "P1 resolution within 240 min", "85"),
        ],
        years_ago=1,
    )
    services.contract_submit(contract=contract, user=demo.users["alice"])
    _engineering_approves(demo, contract, comment="Within buffer.")
    _legal_signs(demo, contract)


def contract_in_review(demo: Demo) -> None:
    """Globex asks 99.99 % on a 99.95 % SLO: a MISMATCH line waits for Payments engineering."""
    contract = _draft(
        demo,
        "GLOBEX-001",
        "Globex",
        "Checkout for the retail chain",
        "18500",
        [
            Line("checkout", "Availability", "99.8", 1),
            Line("payments-api", "Availability", "99.99", 0),
        ],
    )
    services.contract_submit(contract=contract, user=demo.users["alice"])
    _engineering_approves(demo, contract, only={"checkout"})


def contract_waived(demo: Demo) -> None:
    """Umbrella: a THIN search line approved under leadership's waiver; legal still to look."""
    contract = _draft(
        demo,
        "UMBRELLA-001",
        "Umbrella Health",
        "Clinical search",
        "9900",
        [Line("search-api", "Availability", "99.85", 2)],
    )
    services.contract_submit(contract=contract, user=demo.users["alice"])
    services.waiver_grant(
        commitment=contract.commitments.get(),
        user=demo.users["dave"],
        justification=(
            "Strategic healthcare account; Search raises its SLO to 99.95 % next quarter."
        ),
        expires_on=timezone.localdate() + timedelta(days=180),
    )
    _engineering_approves(demo, contract, comment="THIN, covered by the waiver until the raise.")


def contract_draft(demo: Demo) -> None:
    _draft(
        demo,
        "INITECH-001",
        "Initech",
        "Search for the intranet",
        "4200",
        [Line("search-api", "Availability", "99.8", 2)],
    )


def contract_changes_requested(demo: Demo) -> None:
    """Stark asked the ledger's own SLO as its SLA: rejected, sales must loosen it."""
    contract = _draft(
        demo,
        "STARK-001",
        "Stark Logistics",
        "Billing for the freight network",
        "12000",
        [Line("billing-ledger", "Availability", "99.9", 2)],
    )
    services.contract_submit(contract=contract, user=demo.users["alice"])
    services.commitment_signoff(
        commitment=contract.commitments.get(),
        user=demo.users["bob"],
        decision=Decision.REJECT,
        comment="99.9 % is our SLO itself (THIN): offer 99.8 % or ask leadership for a waiver.",
    )


def contract_approved(demo: Demo) -> None:
    """Wayne: every line and legal approved; waiting for signature."""
    contract = _draft(
        demo,
        "WAYNE-001",
        "Wayne Retail",
        "Storefront search and suggestions",
        "15000",
        [
            Line("search-api", "Availability", "99.8", 2),
            Line("autocomplete", "Latency under 100 ms", "90"),
        ],
    )
    services.contract_submit(contract=contract, user=demo.users["alice"])
    _engineering_approves(demo, contract)
    _legal_signs(demo, contract, sign=False)


def contract_terminated(demo: Demo) -> None:
    contract = _draft(
        demo,
        "SOYLENT-001",
        "Soylent Foods",
        "Order events feed",
        "3000",
        [Line("event-stream", "Availability", "99.8", 2)],
        years_ago=1,
    )
    services.contract_submit(contract=contract, user=demo.users["alice"])
    _engineering_approves(demo, contract)
    _legal_signs(demo, contract)
    services.contract_terminate(
        contract=contract, user=demo.users["carol"], reason="Customer ceased operations."
    )


def contract_amended(demo: Demo) -> None:
    """Tyrell: r1 signed, then raised to 99.25 % (the SLO already backs it); r1 superseded."""
    contract = _draft(
        demo,
        "TYRELL-001",
        "Tyrell Analytics",
        "Warehouse for model training",
        "27000",
        [Line("data-warehouse", "Availability", "99.0", 2)],
        years_ago=1,
    )
    services.contract_submit(contract=contract, user=demo.users["alice"])
    _engineering_approves(demo, contract)
    _legal_signs(demo, contract)
    amendment = services.contract_amend(contract=contract, user=demo.users["alice"])
    services.commitment_update(
        commitment=amendment.commitments.get(), user=demo.users["alice"], target=Decimal("99.25")
    )
    services.contract_update(
        contract=amendment, user=demo.users["alice"], monthly_fee=Decimal("29500")
    )
    services.contract_submit(contract=amendment, user=demo.users["alice"])
    _engineering_approves(demo, amendment, comment="SLO 99.5 % backs 99.25 % with the 1.5× buffer.")
    _legal_signs(demo, amendment)


CONTRACT_SCENARIOS = {
    MARKER_CONTRACT: contract_signed,
    "GLOBEX-001": contract_in_review,
    "UMBRELLA-001": contract_waived,
    "INITECH-001": contract_draft,
    "STARK-001": contract_changes_requested,
    "WAYNE-001": contract_approved,
    "SOYLENT-001": contract_terminated,
    "TYRELL-001": contract_amended,
}


def seed_contracts(demo: Demo) -> None:
    existing = set(
        Contract.objects.filter(number__in=CONTRACT_SCENARIOS).values_list("number", flat=True)
    )
    for number, scenario in CONTRACT_SCENARIOS.items():
        if number not in existing:
            scenario(demo)


def seed_measurements(demo: Demo) -> None:
    """Hourly SLI history since January of last year, with incidents and an at-risk SLO."""
    if SLISample.objects.exists():
        return
    today = timezone.localdate()
    result = seed_sli_history(days=(today - date(today.year - 1, 1, 1)).days)
    demo.created["SLI samples"] = result.samples


def seed_review_cycle(demo: Demo) -> None:
    """Last year's annual review, opened by leadership; its packets are generated on commit."""
    year = timezone.localdate().year - 1
    if ReviewCycle.objects.filter(year=year).exists():
        return
    review_cycle_open(year=year, user=demo.users["dave"])
    demo.count("review cycles", True)


STEPS = [
    seed_users,
    seed_teams,
    seed_services,
    seed_slo_tightening,
    seed_policies,
    seed_credit_schedules,
    seed_customers,
    seed_contracts,
    # After the contracts: the demo's sign-offs were judged on paper, before any data.
    seed_measurements,
    seed_review_cycle,
]


def seed(stdout: TextIO | None = None) -> Demo:
    """Create whatever demo data is missing, in one transaction; report what was created."""
    demo = Demo(out=stdout or io.StringIO())
    with transaction.atomic():
        for step in STEPS:
            step(demo)
    made = ", ".join(f"{count} {what}" for what, count in demo.created.items() if count)
    demo.out.write(f"Demo data: created {made or 'nothing (all present)'}.\n")
    return demo
