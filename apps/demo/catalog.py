"""Demo people, teams, services with their indicators and SLOs, policies, credit schedules and
customers."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from apps.catalog.choices import IndicatorKind, IndicatorSource
from apps.catalog.models import Customer, Indicator, Service, Team
from apps.contracts.models import CreditSchedule, CreditTier
from apps.demo.base import DEMO_PASSWORD, PEOPLE, USERNAMES, Demo, ensure
from apps.slos.choices import SloStatus, SloWindow
from apps.slos.models import SLO, BufferPolicy
from apps.slos.services import buffer_policy_create, slo_create, slo_update

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
# The priority matrix: indicator name, kind, priority, threshold (minutes), SLO %, calendar.
# P1 runs around the clock; P2-P4 in business hours (the US office's, or the customer's support
# calendar named by its contract).
SUPPORT_INDICATORS = [
    ("P1 first response within 15 min", IndicatorKind.SUPPORT_RESPONSE, "P1", 15, "97", None),
    ("P1 resolution within 240 min", IndicatorKind.SUPPORT_RESOLUTION, "P1", 240, "95", None),
    ("P2 first response within 60 min", IndicatorKind.SUPPORT_RESPONSE, "P2", 60, "95", "us"),
    ("P2 resolution within 480 min", IndicatorKind.SUPPORT_RESOLUTION, "P2", 480, "90", "us"),
    ("P3 first response within 240 min", IndicatorKind.SUPPORT_RESPONSE, "P3", 240, "90", "us"),
    ("P3 resolution within 1440 min", IndicatorKind.SUPPORT_RESOLUTION, "P3", 1440, "85", "us"),
    ("P4 first response within 480 min", IndicatorKind.SUPPORT_RESPONSE, "P4", 480, "90", "us"),
    ("P4 resolution within 2400 min", IndicatorKind.SUPPORT_RESOLUTION, "P4", 2400, "80", "us"),
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
        team, created = ensure(Team, user=admin, reason="Demo team.", name=name)
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


def _indicator(
    demo, service, name, kind, *, threshold=None, unit="", source=IndicatorSource.API, **support
):
    indicator, created = ensure(
        Indicator,
        user=demo.engineer_of(service.team.name),
        reason="Indicator defined.",
        defaults={
            "kind": kind,
            "threshold": threshold,
            "unit": unit,
            "source": source,
            **support,
        },
        service=service,
        name=name,
    )
    demo.indicators[(service.slug, name)] = indicator
    demo.count("indicators", created)
    return indicator


def _slo(demo, indicator, target: str, *, window=SloWindow.ROLLING_30D) -> SLO:
    slo = SLO.objects.filter(indicator=indicator, name=indicator.name).first()
    demo.count("SLOs", slo is None)
    if slo is None:
        slo = slo_create(
            user=demo.engineer_of(indicator.service.team.name),
            reason="Objective agreed by the team.",
            indicator=indicator,
            name=indicator.name,
            target=Decimal(target),
            window=window,
            status=SloStatus.ACTIVE,
        )
    return slo


def seed_services(demo: Demo) -> None:
    """Eleven services with availability and latency SLIs, and a support desk."""
    for slug, name, team_name, availability, threshold, latency in SERVICES:
        owner = demo.engineer_of(team_name)
        service, created = ensure(
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
    service, created = ensure(
        Service,
        user=demo.engineer_of(team_name),
        reason="Service registered.",
        defaults={"name": name, "team": demo.teams[team_name]},
        slug=slug,
    )
    demo.services[slug] = service
    demo.count("services", created)
    for indicator_name, kind, priority, minutes, target, calendar in SUPPORT_INDICATORS:
        indicator = _indicator(
            demo,
            service,
            indicator_name,
            kind,
            threshold=Decimal(minutes),
            unit="min",
            source=IndicatorSource.TICKETS,
            priority=priority,
            calendar=demo.calendars[calendar] if calendar else None,
        )
        _slo(demo, indicator, target, window=SloWindow.MONTH)


def seed_slo_tightening(demo: Demo) -> None:
    """Payments tightened its API's SLO after meeting 99.97 % for two quarters: real history."""
    slo = SLO.objects.get(indicator=demo.indicators[("payments-api", "Availability")])
    if slo.target >= Decimal("99.95"):
        return
    slo_update(
        slo=slo,
        user=demo.users["bob"],
        reason="Tightened: met 99.97 % for two quarters.",
        target=Decimal("99.95"),
    )


def seed_policies(demo: Demo) -> None:
    """The global buffer (ratio 2.0) and a looser override for the batch data warehouse."""
    policies = [
        (
            None,
            demo.users["admin"],
            Decimal("2.0"),
            "Company default: SLA budget at least twice the SLO's.",
        ),
        (
            demo.services["data-warehouse"],
            demo.users["grace"],
            Decimal("1.5"),
            "Batch workload: customers judge it per day, a 1.5× buffer is enough.",
        ),
    ]
    for service, user, ratio, reason in policies:
        missing = not BufferPolicy.objects.filter(service=service).exists()
        demo.count("buffer policies", missing)
        if missing:
            buffer_policy_create(
                user=user,
                reason=reason,
                service=service,
                min_budget_ratio=ratio,
                min_margin=Decimal("0"),
            )


def seed_credit_schedules(demo: Demo) -> None:
    carol = demo.users["carol"]
    for name, cap, tiers in CREDIT_SCHEDULES:
        schedule, created = ensure(
            CreditSchedule,
            user=carol,
            reason="Modelled on a published cloud SLA.",
            defaults={"cap_percent": Decimal(cap) if cap else None},
            name=name,
        )
        if created:
            for lower, upper, percent in tiers:
                ensure(
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
        customer, created = ensure(Customer, user=alice, reason="New customer.", name=name)
        demo.customers[name] = customer
        demo.count("customers", created)
