"""Packet content against figures worked out by hand (see conftest.py)."""

from datetime import date
from decimal import Decimal

import pytest

from apps.contracts.choices import ContractStatus
from apps.measurements import periods
from apps.reviews import packets, selectors
from apps.reviews.choices import CycleStatus, PacketStatus
from apps.reviews.packets import Counts
from tests.factories import CommitmentFactory, ContractFactory

from .conftest import YEAR, add_samples


def test_opening_a_cycle_generates_one_ready_packet_per_service_and_customer(
    cycle, payments, acme, service_packet, customer_packet
):
    assert cycle.status == CycleStatus.COMPLETE
    assert cycle.packets.count() == 2
    assert service_packet.status == PacketStatus.READY
    assert customer_packet.status == PacketStatus.READY
    assert service_packet.scope_label == "Payments API"
    assert customer_packet.scope_label == "Acme Corp"
    assert cycle.note == "2 packets ready."


def test_service_packet_slo_months_and_budget_use(service_packet, slo):
    (slo_row,) = service_packet.data["slos"]
    assert slo_row["id"] == slo.pk
    months = slo_row["months"]
    assert [m["attainment"] for m in months[:4]] == ["99.9000", "99.7000", "98.9000", "100.0000"]
    assert [m["met"] for m in months[:4]] == [True, False, False, True]
    assert months[1]["budget_consumed"] == "3.0000"
    assert slo_row["year"]["attainment"] == "99.8750"
    assert slo_row["year"]["budget_consumed"] == "1.2500"
    assert [q["attainment"] for q in slo_row["quarters"]] == [
        "99.5000",
        "100.0000",
        "100.0000",
        "100.0000",
    ]


def test_service_packet_sla_breaches_and_credits_owed(service_packet, signed_line):
    (line,) = service_packet.data["slas"]
    assert line["commitment_id"] == signed_line.pk
    assert len(line["periods"]) == 12
    assert line["breaches"] == 2
    breached = [(p["start"], p["credit_amount"]) for p in line["periods"] if p["breached"]]
    assert breached == [("2025-02-01", "1000.00"), ("2025-03-01", "2500.00")]
    assert line["credits_owed"] == "3500.00"
    assert service_packet.data["credits_owed"] == {"EUR": "3500.00"}


def test_buffer_health_shows_verdict_now_and_monthly_margin(service_packet):
    buffer = service_packet.data["slas"][0]["buffer"]
    assert buffer["verdict"] == "ALIGNED"
    assert buffer["slo_target"] == "99.9000"
    assert [m["margin"] for m in buffer["months"][:3]] == ["0.1000", "-0.1000", "-0.9000"]
    assert buffer["smallest_measured_margin"] == "-0.9000"
    assert buffer["months_below_sla"] == 2


def test_breached_sla_and_missed_slo_are_recommended_relax_or_invest(service_packet):
    actions = {r["action"]: r for r in service_packet.data["recommendations"]}
    assert set(actions) == {"invest", "relax_sla_or_invest"}
    relax = actions["relax_sla_or_invest"]["evidence"]
    assert relax["credits_owed"] == "3500.00"
    assert [p["start"] for p in relax["breached_periods"]] == ["2025-02-01", "2025-03-01"]
    assert [m["start"] for m in actions["invest"]["evidence"]["missed_months"]] == [
        "2025-02-01",
        "2025-03-01",
    ]


def test_renewal_in_the_next_twelve_months_is_listed(service_packet, customer_packet):
    for packet in (service_packet, customer_packet):
        assert [r["contract_number"] for r in packet.data["renewals"]] == ["ACME-001"]
        assert packet.data["renewals"][0]["renewal_date"] == "2026-06-01"


def test_customer_packet_lists_contracts_with_the_same_line_figures(
    customer_packet, service_packet, signed_contract
):
    (contract,) = customer_packet.data["contracts"]
    assert contract["id"] == signed_contract.pk
    assert contract["credits_owed"] == {"EUR": "3500.00"}
    (line,) = contract["lines"]
    assert line == service_packet.data["slas"][0]
    assert customer_packet.data["credits_owed"] == {"EUR": "3500.00"}


def test_met_with_room_for_four_quarters_recommends_tightening_slo_first(signed_line, availability):
    add_samples(availability, [99996] * 12, total=100000)  # 99.996 % ≥ 99.95 % every quarter
    data = selectors.service_packet_data(availability.service_id, YEAR)
    actions = {r["action"]: r for r in data["recommendations"]}
    assert set(actions) == {"tighten_slo", "tighten_sla_after_slo"}
    assert actions["tighten_slo"]["evidence"]["proposed_target"] == "99.9500"
    # The SLA may only follow once the SLO is at 99.95 %: ratio 2.0 → 99.9 %.
    assert actions["tighten_sla_after_slo"]["evidence"]["safe_maximum_after"] == "99.9000"


def test_quarterly_line_counts_quarters_and_contract_ended_midyear_stops_counting(
    alice, acme, availability, slo, review_schedule
):
    contract = ContractFactory(
        customer=acme,
        owner=alice,
        number="ACME-Q",
        status=ContractStatus.TERMINATED,
        start_date=date(2024, 1, 1),
        end_date=date(2025, 5, 15),
    )
    CommitmentFactory(
        contract=contract,
        indicator=availability,
        target=Decimal("99.8"),
        period="quarter",
        credit_schedule=review_schedule,
    )
    add_samples(availability, [9990, 9970, 9890] + [10000] * 9)
    data = selectors.customer_packet_data(acme.pk, YEAR)
    (line,) = data["contracts"][0]["lines"]
    # Q1: 29 850 / 30 000 = 99.5 % → 10 %; Q2 overlaps the contract (until 15 May); Q3/Q4 don't.
    assert [(p["start"], p["attainment"]) for p in line["periods"]] == [
        ("2025-01-01", "99.5000"),
        ("2025-04-01", "100.0000"),
    ]
    assert line["credits_owed"] == "1000.00"


def _line(months, tiers, cap_percent=None, monthly_fee="100") -> packets.LineFigures:
    return packets.LineFigures(
        commitment_id=1,
        contract_id=1,
        contract_number="C",
        revision=1,
        customer_id=1,
        customer="X",
        service_id=1,
        service="S",
        indicator_id=1,
        indicator="A",
        target=Decimal("99.9"),
        period="month",
        monthly_fee=Decimal(monthly_fee),
        currency="EUR",
        tiers=tiers,
        cap_percent=cap_percent,
        in_force_from=date(2025, 1, 1),
        in_force_until=None,
        months=months,
        buffer=packets.BufferFigures(verdict="NO_SLO", reasons=[]),
    )


def test_months_without_samples_are_no_data_never_a_breach():
    line = _line(
        [Counts(date(2025, 1, 1), 0, 0)],
        [packets.credits.Tier(None, Decimal("99.9"), Decimal("50"))],
    )
    (period,) = packets.line_section(line)["periods"]
    assert period["attainment"] is None
    assert period["breached"] is False
    assert period["credit_amount"] == "0.00"


def test_equal_credit_percents_keep_their_own_spelling_through_the_period_cache():
    # 99.5 % falls in the [99, 99.9) tier. The two schedules are equal as numbers, and the
    # credit % shows as the schedule writes it: the second line must not reuse the first's.
    months = [Counts(date(2025, 1, 1), 995, 1000)]
    for credit, cap in [("10", "50"), ("10.00", "50.00"), ("10", "50")]:
        tiers = [packets.credits.Tier(Decimal("99"), Decimal("99.9"), Decimal(credit))]
        (period,) = packets.line_section(_line(months, tiers, Decimal(cap)))["periods"]
        assert (period["credit_percent"], period["credit_amount"]) == (credit, "10.00")
    # A cap below the tier's credit shows as the cap is written.
    tiers = [packets.credits.Tier(Decimal("99"), Decimal("99.9"), Decimal("10"))]
    (period,) = packets.line_section(_line(months, tiers, Decimal("5.0")))["periods"]
    assert (period["credit_percent"], period["credit_amount"]) == ("5.0", "5.00")


@pytest.mark.parametrize(
    ("good", "shown", "breached"),
    [(99_899_999, "99.8999", True), (99_900_000, "99.9000", False)],
)
def test_attainment_is_cut_not_rounded_so_a_miss_never_shows_as_met(good, shown, breached):
    counts = Counts(date(2025, 1, 1), good, 100_000_000)
    assert packets.percent(counts.attainment) == shown
    assert (counts.attainment < Decimal("99.9")) is breached


@pytest.mark.parametrize(
    ("period", "first", "last", "starts"),
    [
        # A period counts when a single day of it was in force, the first or the last.
        (
            "month",
            date(2025, 3, 31),
            date(2025, 6, 1),
            ["2025-03", "2025-04", "2025-05", "2025-06"],
        ),
        ("month", date(2024, 6, 10), None, [f"2025-{m:02}" for m in range(1, 13)]),
        ("month", date(2025, 12, 31), None, ["2025-12"]),
        ("month", date(2024, 1, 1), date(2024, 12, 31), []),
        ("quarter", date(2025, 3, 31), date(2025, 4, 1), ["2025-01", "2025-04"]),
        ("quarter", date(2025, 4, 1), date(2025, 9, 30), ["2025-04", "2025-07"]),
    ],
)
def test_a_line_counts_every_period_it_was_in_force_for_a_day(period, first, last, starts):
    months = [Counts(date(2025, m, 1), 1, 1) for m in range(1, 13)]
    kept = periods.in_force(periods.period_counts(months, period), period, first, last)

    assert [f"{p.start:%Y-%m}" for p in kept] == starts


def test_a_period_exactly_at_the_target_is_met_and_one_just_below_is_breached():
    # 99.9 % of 1,000,000 is met (the SLA says "at least"); one event fewer is a breach.
    months = [
        Counts(date(2025, 1, 1), 999_000, 1_000_000),
        Counts(date(2025, 2, 1), 998_999, 1_000_000),
    ]
    tiers = [packets.credits.Tier(None, Decimal("99.9"), Decimal("10"))]
    at_target, below = packets.line_section(_line(months, tiers))["periods"]
    assert (at_target["attainment"], at_target["breached"]) == ("99.9000", False)
    assert (below["attainment"], below["breached"]) == ("99.8999", True)
