"""Benchmark of the portfolio dashboard against the admin's contract list on the same data.

Builds a portfolio of 10,000 contracts (``scale`` 1.0) with two SLA lines each, 1,000 customers,
20 services with 40 indicators (20 active SLOs), a daily sample per indicator since the start of
last year, sign-offs on lines under review and drift events on 2 % of the lines — bulk-created
for speed. Then it times the server side of ``GET /dashboards/`` (Django's test Client, the
median of several runs after a warm-up) against ``GET /admin/contracts/contract/`` (the floor:
the page people open today to scan the same contracts), both as a superuser.

Everything happens in one transaction that is rolled back at the end, so the database is left
as it was; the tables are ANALYZEd inside it so that the planner sees the rows. PostgreSQL only.
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from apps.catalog.choices import IndicatorKind
from apps.catalog.models import Customer, Indicator, Service, Team
from apps.contracts.choices import ContractStatus, Decision
from apps.contracts.models import Commitment, Contract, CreditSchedule, CreditTier, SignOff
from apps.drift.models import DriftEvent
from apps.measurements.models import SLISample
from apps.slos.models import SLO

CONTRACTS = 10_000
CUSTOMERS = 1_000
SERVICES = 20
TARGET_RATIO = 2.0
FEES = [Decimal(f) for f in ("500", "1200", "2500", "4000", "7500", "9900", "15000", "30000")]
STATUSES = [ContractStatus.SIGNED] * 7 + [
    ContractStatus.IN_REVIEW,
    ContractStatus.DRAFT,
    ContractStatus.TERMINATED,
]
VERDICTS = ["ALIGNED"] * 6 + ["THIN", "MISMATCH", "NO_SLO", "INCOMPARABLE"]
TABLES = [
    "contracts_contract",
    "contracts_commitment",
    "contracts_signoff",
    "drift_driftevent",
    "measurements_slisample",
    "catalog_customer",
    "slos_slo",
]


class _Rollback(Exception):
    pass


def _portfolio(scale: float, now: datetime) -> dict:
    """Creates the rows; returns the superuser to browse with."""
    rng = random.Random(20260415)
    tag = uuid.uuid4().hex[:8]
    contracts_wanted = max(int(CONTRACTS * scale), 3)
    user = get_user_model().objects.create_superuser(f"bench-{tag}", password=None)
    team = Team.objects.create(name=f"bench-{tag}")
    services = Service.objects.bulk_create(
        Service(slug=f"bench-{tag}-{i}", name=f"Bench {i}", team=team) for i in range(SERVICES)
    )
    availability = Indicator.objects.bulk_create(
        Indicator(service=s, name="Availability", kind=IndicatorKind.AVAILABILITY) for s in services
    )
    latency = Indicator.objects.bulk_create(
        Indicator(service=s, name="Latency", kind=IndicatorKind.LATENCY, threshold=300)
        for s in services
    )
    SLO.objects.bulk_create(
        SLO(indicator=i, target=Decimal("99.9"), status="active") for i in availability
    )
    first_day = date(now.year - 1, 1, 1)
    days = (now.date() - first_day).days
    samples = []
    for index, indicator in enumerate(availability + latency):
        # A few services run below their SLO: credits, breaches and exhausted budgets.
        bad_rate = 5 if index % 7 else 2_000
        for day in range(days):
            start = datetime.combine(first_day + timedelta(days=day), datetime.min.time(), UTC)
            samples.append(
                SLISample(
                    indicator=indicator,
                    start=start,
                    end=start + timedelta(days=1),
                    good=1_000_000 - rng.randrange(bad_rate),
                    total=1_000_000,
                )
            )
    SLISample.objects.bulk_create(samples, batch_size=5_000)
    schedules = [
        CreditSchedule.objects.create(name=f"bench-{tag}-{i}", cap_percent=Decimal(50))
        for i in range(3)
    ]
    CreditTier.objects.bulk_create(
        CreditTier(schedule=s, lower=low, upper=high, credit_percent=pct)
        for s in schedules
        for low, high, pct in [
            (Decimal("99.0"), Decimal("99.99"), Decimal(10)),
            (Decimal("95.0"), Decimal("99.0"), Decimal(25)),
            (None, Decimal("95.0"), Decimal(100)),
        ]
    )
    customers = Customer.objects.bulk_create(
        Customer(name=f"bench-{tag} customer {i}") for i in range(max(contracts_wanted // 10, 1))
    )
    contracts = Contract.objects.bulk_create(
        (
            Contract(
                customer=customers[i % len(customers)],
                number=f"B-{tag}-{i}",
                monthly_fee=FEES[i % len(FEES)],
                currency="EUR" if i % 4 else "USD",
                start_date=date(now.year - 2, 1, 1) + timedelta(days=rng.randrange(900)),
                renewal_date=now.date() + timedelta(days=rng.randrange(730)),
                owner=user,
                status=STATUSES[i % len(STATUSES)],
                submitted_at=now - timedelta(hours=rng.randrange(24 * 30)),
            )
            for i in range(contracts_wanted)
        ),
        batch_size=2_000,
    )
    lines = []
    for i, contract in enumerate(contracts):
        service = i % SERVICES
        lines.append(
            Commitment(
                contract=contract,
                indicator=availability[service],
                target=Decimal("99.5"),
                period="quarter" if i % 5 == 0 else "month",
                credit_schedule=schedules[i % 3],
                verdict=VERDICTS[i % len(VERDICTS)],
            )
        )
        lines.append(
            Commitment(
                contract=contract,
                indicator=latency[service],
                target=Decimal("99.0"),
                credit_schedule=schedules[i % 3] if i % 2 else None,
                verdict="NO_SLO",
            )
        )
    lines = Commitment.objects.bulk_create(lines, batch_size=5_000)
    SignOff.objects.bulk_create(
        (
            SignOff(
                commitment=line,
                decision=Decision.APPROVE,
                decided_by=user,
                commitment_version=1,
                verdict=line.verdict,
            )
            for index, line in enumerate(lines)
            if line.contract.status == ContractStatus.IN_REVIEW and index % 2
        ),
        batch_size=5_000,
    )
    DriftEvent.objects.bulk_create(
        (
            DriftEvent(commitment=line, kind="slo_loosened", event_key="bench", summary="bench")
            for index, line in enumerate(lines)
            if index % 50 == 0
        ),
        batch_size=5_000,
    )
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"ANALYZE {table}")
    return {"user": user, "contracts": len(contracts), "lines": len(lines), "samples": len(samples)}


def _median_seconds(client: Client, url: str, repeats: int) -> float:
    response = client.get(url)  # warm-up: templates, caches, connection
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}.")
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}.")
    return statistics.median(times)


def run(*, scale: float = 1.0, repeats: int = 5) -> dict:
    """Builds the data, times both pages, rolls everything back; the report as a dict."""
    if connection.vendor != "postgresql":
        raise RuntimeError("The dashboard bench needs PostgreSQL (set DATABASE_URL).")
    now = timezone.now()
    report = {}
    try:
        with transaction.atomic(), override_settings(ALLOWED_HOSTS=["testserver", "*"]):
            built = _portfolio(scale, now)
            client = Client()
            client.force_login(built["user"])
            ours = _median_seconds(client, "/dashboards/", repeats)
            floor = _median_seconds(client, "/admin/contracts/contract/", repeats)
            report = {
                "workload": "portfolio_dashboard",
                "contracts": built["contracts"],
                "lines": built["lines"],
                "samples": built["samples"],
                "repeats": repeats,
                "ours_seconds": round(ours, 4),
                "floor_seconds": round(floor, 4),
                "ratio": round(ours / floor, 2),
                "target_ratio": TARGET_RATIO,
            }
            raise _Rollback
    except _Rollback:
        pass
    return report
