"""A cycle finishes when its last packet task ends: exactly once, whatever the duplicates."""

import pytest
from billiard.exceptions import TimeLimitExceeded

from apps.reviews import generation, selectors, services, tasks
from apps.reviews.choices import CycleStatus, PacketScope, PacketStatus
from apps.reviews.models import ReviewCycle

from .conftest import YEAR, packet_of


@pytest.fixture
def pending_cycle(reviewed, dave):
    """A cycle whose packets were created but whose tasks have not run (no on_commit here)."""
    return services.review_cycle_open(year=YEAR, user=dave)


def _finishes(cycle) -> list:
    """The cycle's history records of its generation ending."""
    return list(
        cycle.history.filter(history_change_reason__startswith="Generation finished").values_list(
            "status", "history_change_reason"
        )
    )


def _run(packet, task_id):
    return tasks.generate_packet.apply(args=[packet.pk], task_id=task_id).get()


def test_the_last_packet_task_finishes_the_cycle_once(pending_cycle, payments, acme):
    service = packet_of(pending_cycle, PacketScope.SERVICE, payments.pk)
    customer = packet_of(pending_cycle, PacketScope.CUSTOMER, acme.pk)

    assert _run(service, "t-service") == "ready"
    pending_cycle.refresh_from_db()
    assert pending_cycle.status == CycleStatus.GENERATING
    assert _finishes(pending_cycle) == []

    assert _run(customer, "t-customer") == "ready"
    pending_cycle.refresh_from_db()
    assert (pending_cycle.status, pending_cycle.note) == (CycleStatus.COMPLETE, "2 packets ready.")
    assert _finishes(pending_cycle) == [
        (CycleStatus.COMPLETE, "Generation finished: 2 packets ready.")
    ]


def test_a_duplicated_task_after_the_end_writes_nothing_and_does_not_finish_again(
    pending_cycle, payments, acme
):
    service = packet_of(pending_cycle, PacketScope.SERVICE, payments.pk)
    customer = packet_of(pending_cycle, PacketScope.CUSTOMER, acme.pk)
    _run(service, "t-service")
    _run(customer, "t-customer")
    pending_cycle.refresh_from_db()
    completed_at = pending_cycle.completed_at

    # The same message redelivered, and a second task for the same packet.
    assert _run(customer, "t-customer") == "skipped"
    assert _run(customer, "t-other") == "skipped"

    pending_cycle.refresh_from_db()
    assert pending_cycle.completed_at == completed_at
    assert len(_finishes(pending_cycle)) == 1
    customer.refresh_from_db()
    assert (customer.task_id, customer.attempts) == ("t-customer", 1)


def test_two_last_tasks_ending_together_record_the_end_once(pending_cycle, payments, acme):
    # Both packets written before either task looked: each then finds nothing left.
    for scope, scope_id in [(PacketScope.SERVICE, payments.pk), (PacketScope.CUSTOMER, acme.pk)]:
        packet = packet_of(pending_cycle, scope, scope_id)
        assert generation.packet_generate(packet_id=packet.pk, task_id=f"t-{scope}") == "ready"

    assert generation.cycle_finish_if_done(packet_id=packet.pk) is True
    assert generation.cycle_finish_if_done(packet_id=packet.pk) is True

    pending_cycle.refresh_from_db()
    assert pending_cycle.status == CycleStatus.COMPLETE
    assert len(_finishes(pending_cycle)) == 1


def test_a_task_that_is_not_the_last_leaves_the_cycle_generating(pending_cycle, payments):
    packet = packet_of(pending_cycle, PacketScope.SERVICE, payments.pk)

    outcome = tasks.generate_packet.apply(args=[packet.pk], task_id="t-1").get()

    assert outcome == "ready"
    pending_cycle.refresh_from_db()
    assert pending_cycle.status == CycleStatus.GENERATING


def test_a_task_killed_at_its_hard_time_limit_fails_its_packet_and_the_cycle_still_ends(
    pending_cycle, payments, acme
):
    _run(packet_of(pending_cycle, PacketScope.CUSTOMER, acme.pk), "t-customer")
    service = packet_of(pending_cycle, PacketScope.SERVICE, payments.pk)
    assert generation._claim(service.pk, "t-killed")

    # What the worker's main process calls once the pool has killed the task's process.
    tasks.generate_packet.on_failure(
        TimeLimitExceeded(150), "t-killed", (service.pk,), {}, einfo=None
    )

    service.refresh_from_db()
    assert service.status == PacketStatus.FAILED
    assert service.error == "Stopped at the hard time limit of 150 s."
    cycle = ReviewCycle.objects.get(pk=pending_cycle.pk)
    assert (cycle.status, cycle.note) == (
        CycleStatus.COMPLETE,
        "1 of 2 packets failed: regenerate them.",
    )


def test_a_cycle_whose_failed_packet_was_regenerated_counts_only_the_new_version(
    pending_cycle, payments, acme, dave
):
    service = packet_of(pending_cycle, PacketScope.SERVICE, payments.pk)
    customer = packet_of(pending_cycle, PacketScope.CUSTOMER, acme.pk)
    _run(service, "t-service")
    assert generation._claim(customer.pk, "t-old")
    generation.packet_fail(packet_id=customer.pk, task_id="t-old", reason="Broken")
    generation.cycle_finish_if_done(packet_id=customer.pk)
    pending_cycle.refresh_from_db()
    assert pending_cycle.note == "1 of 2 packets failed: regenerate them."

    customer.refresh_from_db()
    new = services.packet_regenerate(packet=customer, user=dave)
    assert generation.cycle_finish(cycle_id=pending_cycle.pk) is False  # the new one is pending
    assert set(selectors.current_packet_states(pending_cycle.pk).items()) == {
        (service.pk, PacketStatus.READY),
        (new.pk, PacketStatus.PENDING),
    }
    assert _run(new, "t-new") == "ready"
    pending_cycle.refresh_from_db()
    assert (pending_cycle.status, pending_cycle.note) == (CycleStatus.COMPLETE, "2 packets ready.")


def test_a_chunk_killed_at_its_hard_time_limit_fails_the_packets_it_had_not_written(
    pending_cycle, payments, acme
):
    service = packet_of(pending_cycle, PacketScope.SERVICE, payments.pk)
    customer = packet_of(pending_cycle, PacketScope.CUSTOMER, acme.pk)
    assert generation._claim(service.pk, "t-chunk")
    assert generation._claim(customer.pk, "t-chunk")
    assert generation.packet_generate(packet_id=service.pk, task_id="t-chunk") == "ready"

    tasks.generate_packets.on_failure(
        TimeLimitExceeded(150), "t-chunk", ([service.pk, customer.pk],), {}, einfo=None
    )

    service.refresh_from_db()
    customer.refresh_from_db()
    assert service.status == PacketStatus.READY
    assert (customer.status, customer.error) == (
        PacketStatus.FAILED,
        "Stopped at the hard time limit of 150 s.",
    )
    cycle = ReviewCycle.objects.get(pk=pending_cycle.pk)
    assert (cycle.status, cycle.note) == (
        CycleStatus.COMPLETE,
        "1 of 2 packets failed: regenerate them.",
    )


@pytest.mark.django_db(transaction=True)
def test_the_end_of_a_cycle_is_notified_to_listeners_once_it_commits(reviewed, dave):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("Notifications are PostgreSQL's (LISTEN/NOTIFY); this database is SQLite.")
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    with psycopg.connect(**params, autocommit=True) as listener:
        listener.execute(f"LISTEN {generation.CYCLE_FINISHED_CHANNEL}")
        # Its packets are generated when it commits (eager Celery), and the last finishes it.
        cycle = services.review_cycle_open(year=YEAR, user=dave)
        notes = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
        # A duplicate finish records nothing new, and says nothing either.
        assert generation.cycle_finish(cycle_id=cycle.pk) is True
        again = [n.payload for n in listener.notifies(timeout=0.5)]

    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.COMPLETE
    assert notes == [str(cycle.pk)]
    assert again == []
