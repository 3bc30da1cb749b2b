"""A cycle's task builds a chunk of packets from figures loaded together; a packet generated
alone (a regeneration) loads its own through the same selectors. Both roads give the same
content, and a chunk's figures take a fixed number of queries whatever its size."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.contracts.choices import ContractStatus
from apps.reviews import generation, selectors, services, tasks
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

from .conftest import MONTHLY_GOOD, YEAR, add_samples, open_cycle


def _edit(instance, user, reason, **fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance._history_user = user
    instance._change_reason = reason
    instance.save()


def _alone(packet) -> dict:
    if packet.scope == PacketScope.SERVICE:
        return selectors.service_packet_data(packet.scope_id, YEAR)
    return selectors.customer_packet_data(packet.scope_id, YEAR)


def _more_services_and_customers(count, alice, schedule):
    """``count`` more services with an SLO and samples, and as many customers with a line on
    each."""
    for number in range(count):
        indicator = IndicatorFactory(service=ServiceFactory(slug=f"more-{number}"))
        SLOFactory(indicator=indicator, target=Decimal("99.5"))
        add_samples(indicator, MONTHLY_GOOD)
        contract = ContractFactory(
            customer=CustomerFactory(name=f"More {number}"),
            owner=alice,
            number=f"MORE-{number}",
            status=ContractStatus.SIGNED,
            start_date=date(2024, 6, 1),
            renewal_date=date(YEAR + 1, 3, 1),
        )
        CommitmentFactory(
            contract=contract,
            indicator=indicator,
            target=Decimal("99.0" if number % 2 else "99.9"),
            period="quarter" if number % 3 else "month",
            credit_schedule=schedule,
        )


@pytest.mark.parametrize("per_task", [1, 2, 8])
def test_every_packet_of_a_cycle_equals_the_same_packet_loaded_alone(
    per_task,
    settings,
    reviewed,
    slo,
    availability,
    signed_contract,
    review_schedule,
    alice,
    bob,
    dave,
    django_capture_on_commit_callbacks,
):
    settings.REVIEW_PACKETS_PER_TASK = per_task
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
    _more_services_and_customers(3, alice, review_schedule)

    cycle = open_cycle(django_capture_on_commit_callbacks, user=dave)

    packets = list(ReviewPacket.objects.filter(cycle=cycle))
    assert len(packets) == 9 and {p.status for p in packets} == {PacketStatus.READY}
    for packet in packets:
        assert packet.data == _alone(packet), packet.scope_label
    service = next(
        p
        for p in packets
        if p.scope == PacketScope.SERVICE and p.scope_id == availability.service_id
    )
    assert [c["reason"] for c in service.data["changes"]] == [
        "Faster failover shipped.",
        "Renegotiated.",
    ]


def test_a_cycle_sends_its_packets_a_chunk_per_task(
    settings, reviewed, alice, review_schedule, dave, django_capture_on_commit_callbacks
):
    settings.REVIEW_PACKETS_PER_TASK = 4
    _more_services_and_customers(3, alice, review_schedule)
    cycle = services.review_cycle_open(year=YEAR, user=dave)
    pending = tasks.pending_packets(cycle.pk)

    assert len(pending) == 8
    assert tasks.chunks(pending, tasks.packets_per_task()) == [pending[:4], pending[4:]]


def _chunk_queries(packet_ids, task_id) -> tuple[int, int]:
    """(queries, packets written) of one chunk task's generation."""
    with CaptureQueriesContext(connection) as queries:
        outcomes = generation.packets_generate(packet_ids=packet_ids, task_id=task_id)
    assert set(outcomes.values()) == {"ready"}
    return len(queries), len(outcomes)


def test_a_chunk_loads_its_figures_in_a_fixed_number_of_queries(
    reviewed, alice, review_schedule, dave
):
    _more_services_and_customers(3, alice, review_schedule)
    cycle = services.review_cycle_open(year=YEAR, user=dave)
    pending = tasks.pending_packets(cycle.pk)
    assert len(pending) == 8
    labels = dict(ReviewPacket.objects.values_list("pk", "scope_label"))
    # Two packets (a service and its customer), then the other six.
    small = [pk for pk in pending if labels[pk] in ("More 0", "more-0")]
    rest = [pk for pk in pending if pk not in small]
    assert len(small) == 2

    few, written_few = _chunk_queries(small, "t-2")
    many, written_many = _chunk_queries(rest, "t-6")

    # The claim and its read-back, the figures, then one write per packet.
    assert few - written_few == many - written_many, f"{few} for 2 packets, {many} for 6"


def test_a_packet_claimed_by_another_task_is_skipped_and_the_rest_of_the_chunk_written(
    reviewed, payments, acme, dave
):
    cycle = services.review_cycle_open(year=YEAR, user=dave)
    pending = tasks.pending_packets(cycle.pk)
    taken = ReviewPacket.objects.get(scope=PacketScope.CUSTOMER, scope_id=acme.pk).pk
    assert generation._claim(taken, "other")

    outcomes = generation.packets_generate(packet_ids=pending, task_id="t-chunk")

    assert outcomes[taken] == "skipped"
    assert [outcomes[pk] for pk in pending if pk != taken] == ["ready"]
    assert ReviewPacket.objects.get(pk=taken).task_id == "other"
