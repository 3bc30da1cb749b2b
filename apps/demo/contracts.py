"""Demo contracts, one in every state, each walked through the services as people would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.contracts import services
from apps.contracts.choices import Decision, Period
from apps.contracts.models import Commitment, Contract
from apps.demo.base import MARKER_CONTRACT, Demo


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
