"""A cycle loads every packet's figures at once and hands each task its inputs; a packet
generated alone (a regeneration) loads its own. Both roads give the same content."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.contracts.choices import ContractStatus
from apps.reviews import inputs, selectors, services, tasks
from apps.reviews.choices import PacketScope, PacketStatus
from apps.reviews.models import ReviewPacket
from tests.factories import (
    CommitmentFactory,
    ContractFactory,
    CustomerFactory,
    IndicatorFactory,
    ServiceFactory,
    SLOFactory,
)

from .conftest import MONTHLY_GOOD, YEAR, add_samples, open_cycle, packet_of


@pytest.fixture
def pending_cycle(reviewed, dave):
    """A cycle whose packets were created but whose tasks have not run (no on_commit here)."""
    return services.review_cycle_open(year=YEAR, user=dave)


def _edit(instance, user, reason, **fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance._history_user = user
    instance._change_reason = reason
    instance.save()


def test_every_packet_of_a_cycle_equals_the_same_packet_loaded_alone(
    reviewed,
    slo,
    availability,
    signed_contract,
    review_schedule,
    bob,
    dave,
    django_capture_on_commit_callbacks,
):
    # A second line (quarterly), changes in the year's history and a service without lines.
    with time_machine.travel("2024-11-01 09:00Z", tick=False):
        line = CommitmentFactory(
            contract=signed_contract,
            indicator=availability,
            target=Decimal("99.5"),
            period="quarter",
        )
    with time_machine.travel("2025-03-10 12:00Z", tick=False):
        _edit(slo, bob, "Faster failover shipped.", target=Decimal("99.95"))
    with time_machine.travel("2025-07-01 08:00Z", tick=False):
        _edit(line, dave, "Renegotiated.", credit_schedule=review_schedule)
    ServiceFactory(slug="quiet")

    cycle = open_cycle(django_capture_on_commit_callbacks, user=dave)

    packets = list(ReviewPacket.objects.filter(cycle=cycle))
    assert len(packets) == 3 and {p.status for p in packets} == {PacketStatus.READY}
    for packet in packets:
        alone = (
            selectors.service_packet_data(packet.scope_id, YEAR)
            if packet.scope == PacketScope.SERVICE
            else selectors.customer_packet_data(packet.scope_id, YEAR)
        )
        assert packet.data == alone
    service = next(p for p in packets if p.data["scope"] == "service" and p.data["slas"])
    assert [c["reason"] for c in service.data["changes"]] == [
        "Faster failover shipped.",
        "Renegotiated.",
    ]


def test_the_cycle_inputs_survive_the_message_and_build_the_same_packet(reviewed, payments, acme):
    scopes = {1: ("service", payments.pk), 2: ("customer", acme.pk)}
    given = selectors.cycle_inputs(YEAR, scopes)

    for packet_id, (scope, scope_id) in scopes.items():
        sent = tasks.unpacked(tasks.packed(given[packet_id]))
        assert inputs.matches(sent, scope, scope_id, YEAR)
        assert not inputs.matches(sent, scope, scope_id, YEAR + 1)
        loaded = (
            selectors.service_packet_data(scope_id, YEAR)
            if scope == "service"
            else selectors.customer_packet_data(scope_id, YEAR)
        )
        assert inputs.build(sent) == loaded


def test_a_packet_task_given_its_inputs_only_claims_and_writes(
    pending_cycle,
    payments,
    django_assert_num_queries,
):
    packet = packet_of(pending_cycle, PacketScope.SERVICE, payments.pk)
    given = selectors.cycle_inputs(YEAR, {packet.pk: (packet.scope, packet.scope_id)})

    with django_assert_num_queries(2):  # the claim and the write
        outcome = services.packet_generate(
            packet_id=packet.pk, task_id="t-1", inputs=given[packet.pk]
        )

    assert outcome == "ready"
    packet.refresh_from_db()
    assert packet.data == selectors.service_packet_data(payments.pk, YEAR)
    assert packet.data["slas"][0]["credits_owed"] == "3500.00"


def _inputs_queries(capture) -> tuple[int, int]:
    """(queries, packets) of loading the inputs of every packet of a cycle."""
    cycle = services.review_cycle_open(year=YEAR, user=None)
    scopes = tasks._pending(cycle.pk)
    with capture(connection) as queries:
        given = selectors.cycle_inputs(YEAR, scopes)
    assert set(given) == set(scopes)
    ReviewPacket.objects.filter(cycle=cycle).delete()
    cycle.delete()
    return len(queries), len(scopes)


def test_a_cycle_loads_its_inputs_in_a_fixed_number_of_queries(reviewed, alice, review_schedule):
    few = _inputs_queries(CaptureQueriesContext)
    # Three more services with an SLO and samples, three more customers with a line on each.
    for number in range(3):
        indicator = IndicatorFactory(service=ServiceFactory(slug=f"more-{number}"))
        SLOFactory(indicator=indicator, target=Decimal("99.5"))
        add_samples(indicator, MONTHLY_GOOD)
        contract = ContractFactory(
            customer=CustomerFactory(name=f"More {number}"),
            owner=alice,
            number=f"MORE-{number}",
            status=ContractStatus.SIGNED,
            start_date=date(2024, 6, 1),
        )
        CommitmentFactory(
            contract=contract,
            indicator=indicator,
            target=Decimal("99.0"),
            credit_schedule=review_schedule,
        )

    many = _inputs_queries(CaptureQueriesContext)

    assert ReviewPacket.objects.count() == 0
    assert many[1] == few[1] + 6
    assert many[0] == few[0], f"{few[0]} queries for {few[1]} packets, {many[0]} for {many[1]}"
