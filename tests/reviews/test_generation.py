"""Generation: idempotent claims, failure isolation, hash stability, immutability, versions."""

import json

import pytest

from apps.core.errors import TransitionNotAllowed
from apps.reviews import generation, packets, selectors, services, tasks
from apps.reviews.choices import CycleStatus, PacketScope, PacketStatus
from apps.reviews.models import ReviewCycle, ReviewPacket

from .conftest import YEAR, open_cycle, packet_of


@pytest.fixture
def pending_cycle(reviewed, dave):
    """A cycle whose packets were created but whose tasks have not run (no on_commit here)."""
    return services.review_cycle_open(year=YEAR, user=dave)


def test_running_generate_packet_twice_writes_one_packet(pending_cycle, payments):
    packet = packet_of(pending_cycle, PacketScope.SERVICE, payments.pk)
    assert tasks.generate_packet.apply(args=[packet.pk], task_id="t-1").get() == "ready"
    packet.refresh_from_db()
    first_hash, first_generated = packet.content_hash, packet.generated_at

    assert tasks.generate_packet.apply(args=[packet.pk], task_id="t-2").get() == "skipped"
    assert tasks.generate_packet.apply(args=[packet.pk], task_id="t-1").get() == "skipped"

    packet.refresh_from_db()
    assert ReviewPacket.objects.filter(scope=PacketScope.SERVICE, scope_id=payments.pk).count() == 1
    assert (packet.content_hash, packet.generated_at, packet.attempts) == (
        first_hash,
        first_generated,
        1,
    )


def test_a_redelivered_task_resumes_its_packet_but_another_task_cannot_take_it(
    pending_cycle, payments
):
    packet = packet_of(pending_cycle, PacketScope.SERVICE, payments.pk)
    # The worker died mid-packet: the claim is left behind, running under the first task's id.
    assert generation._claim(packet.pk, "first")
    assert generation.packet_generate(packet_id=packet.pk, task_id="duplicate") == "skipped"
    assert generation.packet_generate(packet_id=packet.pk, task_id="first") == "ready"
    packet.refresh_from_db()
    assert packet.status == PacketStatus.READY
    assert packet.attempts == 2


def test_a_failing_packet_is_recorded_and_the_others_and_the_cycle_complete(
    reviewed, dave, acme, payments, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**figures):
        raise ZeroDivisionError("a fee of zero")

    monkeypatch.setattr(packets, "customer_packet", broken)
    cycle = open_cycle(django_capture_on_commit_callbacks, user=dave)

    failed = packet_of(cycle, PacketScope.CUSTOMER, acme.pk)
    assert failed.status == PacketStatus.FAILED
    assert failed.error == "ZeroDivisionError: a fee of zero"
    assert packet_of(cycle, PacketScope.SERVICE, payments.pk).status == PacketStatus.READY
    assert cycle.status == CycleStatus.COMPLETE
    assert cycle.note == "1 of 2 packets failed: regenerate them."
    assert selectors.cycles_with_progress().get(pk=cycle.pk).packets_failed == 1


def test_finish_waits_while_a_packet_runs_and_forced_finish_fails_it(pending_cycle, payments):
    packet = packet_of(pending_cycle, PacketScope.SERVICE, payments.pk)
    generation._claim(packet.pk, "lost")
    assert generation.cycle_finish(cycle_id=pending_cycle.pk) is False
    pending_cycle.refresh_from_db()
    assert pending_cycle.status == CycleStatus.GENERATING

    assert generation.cycle_finish(cycle_id=pending_cycle.pk, force=True) is True
    packet.refresh_from_db()
    pending_cycle.refresh_from_db()
    assert packet.status == PacketStatus.FAILED
    assert packet.error == "No worker finished this packet in time."
    assert pending_cycle.status == CycleStatus.FAILED


def test_content_hash_is_sha256_of_canonical_json_and_stable(service_packet, payments):
    again = selectors.service_packet_data(payments.pk, YEAR)
    assert again == service_packet.data
    assert packets.content_hash(again) == service_packet.content_hash
    reordered = dict(reversed(list(service_packet.data.items())))
    assert packets.content_hash(reordered) == service_packet.content_hash
    assert len(service_packet.content_hash) == 64


def test_canonical_json_is_byte_for_byte_what_the_standard_library_writes(
    service_packet, customer_packet
):
    tricky = {
        "é": 'a line\nbreak, "quoted", \\ \x00\x1f\x7f\u2028 ü 😀',
        "A": [1, True, None, "x"],
        "a": {"z": 1, "Z": 2, "é": 3, "e": 4},
    }
    for data in (service_packet.data, customer_packet.data, tricky):
        standard = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert packets.canonical_json(data) == standard


def test_content_hash_changes_when_a_figure_changes(service_packet):
    changed = {**service_packet.data, "credits_owed": {"EUR": "3500.01"}}
    assert packets.content_hash(changed) != service_packet.content_hash


def test_a_ready_packet_cannot_be_changed_in_place(service_packet):
    service_packet.data = {"forged": True}
    with pytest.raises(TransitionNotAllowed):
        service_packet.save()
    service_packet.refresh_from_db()
    assert "forged" not in service_packet.data


def test_regenerating_writes_version_two_and_keeps_version_one(
    service_packet, dave, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = services.packet_regenerate(packet=service_packet, user=dave)
    new.refresh_from_db()
    old = ReviewPacket.objects.get(pk=service_packet.pk)
    assert (old.version, old.status) == (1, PacketStatus.READY)
    assert (new.version, new.status) == (2, PacketStatus.READY)
    assert new.content_hash == old.content_hash  # same figures, same hash
    assert old.data == service_packet.data
    cycle = ReviewCycle.objects.get(pk=service_packet.cycle_id)
    assert cycle.status == CycleStatus.COMPLETE
    current = selectors.current_packets().filter(scope=PacketScope.SERVICE)
    assert list(current.values_list("version", flat=True)) == [2]


def test_only_the_latest_finished_version_can_be_regenerated(pending_cycle, payments, dave):
    packet = packet_of(pending_cycle, PacketScope.SERVICE, payments.pk)
    with pytest.raises(TransitionNotAllowed, match="still being generated"):
        services.packet_regenerate(packet=packet, user=dave)
    generation.packet_generate(packet_id=packet.pk, task_id="t")
    services.packet_regenerate(packet=packet, user=dave)
    with pytest.raises(TransitionNotAllowed, match="Version 2 of this packet already exists"):
        services.packet_regenerate(packet=packet, user=dave)
    assert ReviewPacket.objects.filter(scope_id=payments.pk, scope="service").count() == 2


def test_a_cycle_without_services_or_customers_completes_at_once(
    dave, django_capture_on_commit_callbacks
):
    cycle = open_cycle(django_capture_on_commit_callbacks, user=dave)
    assert cycle.status == CycleStatus.COMPLETE
    assert cycle.packets.count() == 0


def test_cycle_history_records_opening_and_completion(cycle, dave):
    records = list(cycle.history.order_by("history_date").values_list("history_user", "status"))
    assert records[0] == (dave.pk, CycleStatus.GENERATING)
    assert records[-1] == (None, CycleStatus.COMPLETE)
    reasons = list(cycle.history.order_by("history_date").values_list("history_change_reason"))
    assert reasons[0] == ("Review cycle opened.",)


def test_no_task_result_is_kept_anywhere():
    # The packets' own rows say how generation went; a result backend would only make each task
    # of a cycle's group subscribe to a result nobody reads.
    assert tasks.prepare_cycle.app.conf.result_backend is None
    for task in (
        tasks.prepare_cycle,
        tasks.generate_packets,
        tasks.generate_packet,
        tasks.fail_packets,
    ):
        assert task.ignore_result is True
