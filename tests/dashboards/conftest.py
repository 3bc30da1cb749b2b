"""A small portfolio whose every figure was worked out by hand (see ``World``), at a fixed now.

Now is 2026-04-15 12:00 UTC: January to March are over, April is not.

Payments API (Payments team): availability with an active 99.9 % SLO, met every month
(Jan 99.95, Feb 99.92, Mar 100, Apr 100); latency without SLO.
Search API (Search team): availability with an active 99.9 % SLO that missed January (99.0) and
spent its budget in April (90 % on the 10th): at risk and exhausted.

Credit schedule: < 99.99 → 10 %, < 99.0 → 25 %, < 95.0 → 100 % of the monthly fee.

contract   status      customer  fee        lines
ACME-1     signed      Acme      1000 EUR   L1 pay 99.8 month (drifted), L2 pay 99.8 quarter
ACME-2     signed      Acme       500 EUR   L3 pay 99.95 month (MISMATCH), from 2026-02-10
GLOBEX-1   signed      Globex    2000 USD   L4 search 99.5 month, ended 2026-01-31
GLOBEX-2   signed      Globex     300 USD   L5 latency 99.0 (NO_SLO, no schedule)
ACME-5     signed      Acme       700 EUR   L12 pay 99.8 (no schedule)
ACME-3     in_review   Acme       100 EUR   L6 pay 99.8 (waiting 10 days), L7 pay 99.85 (THIN,
                                            decided)
GLOBEX-3   in_review   Globex     100 EUR   L8, L9 search 99.0 (waiting 2 days; L8's sign-off
                                            voided)
ACME-4     draft       Acme       100 EUR   L10 pay 99.95 (MISMATCH, open drift event)
ACME-0     terminated  Acme       100 EUR   L11 pay 99.95 (MISMATCH)

Credits (Q1 2026): L1 Jan 100 + Feb 100 = 200; L2 Q1 (99.9567 %) 100; L3 Feb 50 → 350 EUR.
L4 Jan (99.0 %) 10 % of 2000 = 200 USD. Lines owing: L1, L2, L3, L4.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from apps.catalog.choices import IndicatorKind
from apps.contracts.choices import ContractStatus, Decision
from apps.contracts.models import Commitment, Contract, SignOff
from apps.contracts.services import commitments_refresh_alignment
from apps.drift.models import DriftEvent
from apps.measurements.models import SLISample
from apps.reviews.models import ReviewCycle, ReviewPacket
from apps.slos.choices import SloWindow
from tests.factories import (
    CommitmentFactory,
    ContractFactory,
    CustomerFactory,
    IndicatorFactory,
    ServiceFactory,
    SLOFactory,
    UserFactory,
)

NOW = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def month_samples(indicator, months: dict[date, tuple[int, int]]) -> None:
    SLISample.objects.bulk_create(
        SLISample(
            indicator=indicator,
            start=datetime(day.year, day.month, day.day, tzinfo=UTC),
            end=datetime(day.year, day.month, day.day, 1, tzinfo=UTC),
            good=good,
            total=total,
        )
        for day, (good, total) in months.items()
    )


def contract(number, customer, owner, *, status=ContractStatus.SIGNED, fee="1000.00", **terms):
    terms.setdefault("start_date", date(2025, 6, 1))
    return ContractFactory(
        number=number,
        customer=customer,
        owner=owner,
        status=status,
        monthly_fee=Decimal(fee),
        **terms,
    )


def line(contract, indicator, target, *, period="month", schedule=None):
    return CommitmentFactory(
        contract=contract,
        indicator=indicator,
        target=Decimal(target),
        period=period,
        credit_schedule=schedule,
    )


@dataclass
class World:
    lines: dict[str, Commitment]
    contracts: dict[str, Contract]
    slos: dict
    services: dict
    customers: dict
    teams: dict


@pytest.fixture
def world(frozen, alice, bob, payments_team, search_team, schedule):
    payments = ServiceFactory(slug="payments-api", name="Payments API", team=payments_team)
    search = ServiceFactory(slug="search-api", name="Search API", team=search_team)
    pay = IndicatorFactory(service=payments, name="Availability", kind=IndicatorKind.AVAILABILITY)
    latency = IndicatorFactory(
        service=payments, name="Latency", kind=IndicatorKind.LATENCY, threshold=Decimal("300")
    )
    find = IndicatorFactory(service=search, name="Availability", kind=IndicatorKind.AVAILABILITY)
    pay_slo = SLOFactory(indicator=pay, target=Decimal("99.9"), window=SloWindow.ROLLING_30D)
    search_slo = SLOFactory(indicator=find, target=Decimal("99.9"), window=SloWindow.ROLLING_30D)
    month_samples(
        pay,
        {
            date(2026, 1, 1): (9995, 10000),
            date(2026, 2, 1): (9992, 10000),
            date(2026, 3, 1): (10000, 10000),
            date(2026, 4, 1): (10000, 10000),
        },
    )
    month_samples(find, {date(2026, 1, 1): (9900, 10000), date(2026, 4, 10): (9000, 10000)})
    acme = CustomerFactory(name="Acme")
    globex = CustomerFactory(name="Globex")
    c = {
        "ACME-1": contract("ACME-1", acme, alice, renewal_date=date(2026, 7, 14)),
        "ACME-2": contract(
            "ACME-2",
            acme,
            alice,
            fee="500.00",
            start_date=date(2026, 2, 10),
            renewal_date=date(2026, 7, 15),
        ),
        "GLOBEX-1": contract(
            "GLOBEX-1",
            globex,
            alice,
            fee="2000.00",
            currency="USD",
            start_date=date(2025, 1, 1),
            end_date=date(2026, 1, 31),
            renewal_date=date(2027, 4, 15),
        ),
        "GLOBEX-2": contract(
            "GLOBEX-2", globex, alice, fee="300.00", currency="USD", renewal_date=date(2027, 4, 16)
        ),
        "ACME-5": contract("ACME-5", acme, alice, fee="700.00"),
        "ACME-3": contract(
            "ACME-3",
            acme,
            alice,
            status=ContractStatus.IN_REVIEW,
            fee="100.00",
            submitted_at=datetime(2026, 4, 5, 12, tzinfo=UTC),
        ),
        "GLOBEX-3": contract(
            "GLOBEX-3",
            globex,
            alice,
            status=ContractStatus.IN_REVIEW,
            fee="100.00",
            submitted_at=datetime(2026, 4, 13, 12, tzinfo=UTC),
        ),
        "ACME-4": contract(
            "ACME-4",
            acme,
            alice,
            status=ContractStatus.DRAFT,
            fee="100.00",
            renewal_date=date(2026, 5, 1),
        ),
        "ACME-0": contract(
            "ACME-0",
            acme,
            alice,
            status=ContractStatus.TERMINATED,
            fee="100.00",
            renewal_date=date(2026, 5, 1),
        ),
    }
    lines = {
        "L1": line(c["ACME-1"], pay, "99.8", schedule=schedule),
        "L2": line(c["ACME-1"], pay, "99.8", period="quarter", schedule=schedule),
        "L3": line(c["ACME-2"], pay, "99.95", schedule=schedule),
        "L4": line(c["GLOBEX-1"], find, "99.5", schedule=schedule),
        "L5": line(c["GLOBEX-2"], latency, "99.0"),
        "L12": line(c["ACME-5"], pay, "99.8"),
        "L6": line(c["ACME-3"], pay, "99.8", schedule=schedule),
        "L7": line(c["ACME-3"], pay, "99.85", schedule=schedule),
        "L8": line(c["GLOBEX-3"], find, "99.0", schedule=schedule),
        "L9": line(c["GLOBEX-3"], find, "99.0", schedule=schedule),
        "L10": line(c["ACME-4"], pay, "99.95", schedule=schedule),
        "L11": line(c["ACME-0"], pay, "99.95", schedule=schedule),
    }
    commitments_refresh_alignment()
    Commitment.objects.filter(pk=lines["L11"].pk).update(verdict="MISMATCH")
    for item in lines.values():
        item.refresh_from_db()
    SignOff.objects.create(
        commitment=lines["L7"],
        decision=Decision.APPROVE,
        comment="Thin but fine.",
        decided_by=bob,
        commitment_version=1,
        verdict=lines["L7"].verdict,
    )
    SignOff.objects.create(
        commitment=lines["L8"],
        decision=Decision.APPROVE,
        decided_by=bob,
        commitment_version=1,
        verdict="ALIGNED",
        voided_at=NOW,
        void_reason="Line edited.",
    )
    drift = {"commitment": None, "kind": "slo_loosened", "summary": "SLO loosened."}
    DriftEvent.objects.create(**{**drift, "commitment": lines["L1"], "event_key": "v2"})
    DriftEvent.objects.create(**{**drift, "commitment": lines["L10"], "event_key": "v2"})
    DriftEvent.objects.create(
        **{**drift, "commitment": lines["L4"], "event_key": "v3"},
        resolved_at=NOW,
        resolved_by=bob,
    )
    older = ReviewCycle.objects.create(
        year=2024, period_start=date(2024, 1, 1), period_end=date(2024, 12, 31)
    )
    latest = ReviewCycle.objects.create(
        year=2025, period_start=date(2025, 1, 1), period_end=date(2025, 12, 31)
    )
    for index in range(4):
        ReviewPacket.objects.create(
            cycle=older,
            scope="service",
            scope_id=index,
            scope_label=f"s{index}",
            status="ready",
            content_hash="a" * 64,
        )
    for index, status in enumerate(["ready", "ready", "pending"]):
        ReviewPacket.objects.create(
            cycle=latest,
            scope="customer",
            scope_id=index,
            scope_label=f"c{index}",
            status=status,
            content_hash="b" * 64 if status == "ready" else "",
        )
    # A failed first version, replaced by the ready version 2 above: only the current counts.
    ReviewPacket.objects.create(
        cycle=latest, scope="customer", scope_id=0, scope_label="c0", version=0, status="failed"
    )
    return World(
        lines=lines,
        contracts=c,
        slos={"pay": pay_slo, "search": search_slo},
        services={"payments": payments, "search": search},
        customers={"acme": acme, "globex": globex},
        teams={"payments": payments_team, "search": search_team},
    )


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)
