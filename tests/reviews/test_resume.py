"""A cycle whose tasks were lost is sent again by the schedule's sweep, within minutes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings

from apps.core import broker
from apps.reviews import generation, services, tasks
from apps.reviews.choices import CycleStatus, PacketScope, PacketStatus

from .conftest import YEAR, packet_of

T0 = datetime(2026, 1, 2, 3, tzinfo=UTC)
# A task ends within its time limit and waits at most the longest backoff between attempts.
QUIET = generation.lost_after()


@pytest.fixture
def lost_cycle(reviewed, dave):
    """Opened at T0; its messages never reach a worker (no on_commit here)."""
    with time_machine.travel(T0, tick=False):
        return services.review_cycle_open(year=YEAR, user=dave)


def _at(moment):
    return time_machine.travel(moment, tick=False)


def test_a_cycle_is_stalled_only_once_nothing_happened_for_longer_than_its_tasks_take(
    lost_cycle,
):
    assert generation.stalled_cycles(now=T0 + QUIET - timedelta(seconds=1)) == []
    assert generation.stalled_cycles(now=T0 + QUIET + timedelta(seconds=1)) == [lost_cycle.pk]


def test_resuming_a_cycle_whose_messages_were_lost_generates_every_packet(
    lost_cycle, payments, acme, django_capture_on_commit_callbacks
):
    with _at(T0 + QUIET + timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        assert tasks.resume_cycle(cycle_id=lost_cycle.pk) == 2

    lost_cycle.refresh_from_db()
    assert (lost_cycle.status, lost_cycle.note) == (CycleStatus.COMPLETE, "2 packets ready.")
    for scope, scope_id in [(PacketScope.SERVICE, payments.pk), (PacketScope.CUSTOMER, acme.pk)]:
        packet = packet_of(lost_cycle, scope, scope_id)
        assert (packet.status, packet.version, packet.attempts) == (PacketStatus.READY, 1, 1)


def test_a_packet_left_running_by_a_lost_task_is_generated_again_and_only_once(
    lost_cycle, payments, acme, django_capture_on_commit_callbacks
):
    service = packet_of(lost_cycle, PacketScope.SERVICE, payments.pk)
    customer = packet_of(lost_cycle, PacketScope.CUSTOMER, acme.pk)
    with _at(T0 + timedelta(minutes=1)):
        assert generation._claim(service.pk, "lost")  # its worker and message are gone
        assert generation.packet_generate(packet_id=customer.pk, task_id="t-customer") == "ready"
    later = T0 + timedelta(minutes=1) + QUIET + timedelta(seconds=1)
    assert generation.stalled_cycles(now=later - timedelta(seconds=2)) == []

    with _at(later), django_capture_on_commit_callbacks(execute=True):
        assert tasks.resume_cycle(cycle_id=lost_cycle.pk) == 1

    service.refresh_from_db()
    assert service.status == PacketStatus.READY
    assert service.task_id not in ("", "lost") and service.attempts == 2
    lost_cycle.refresh_from_db()
    assert (lost_cycle.status, lost_cycle.note) == (CycleStatus.COMPLETE, "2 packets ready.")
    # The lost task coming back after all writes nothing.
    assert generation.packet_generate(packet_id=service.pk, task_id="lost") == "skipped"


def test_a_cycle_whose_last_task_died_before_finishing_it_is_finished(
    lost_cycle, payments, acme, django_capture_on_commit_callbacks
):
    with _at(T0 + timedelta(minutes=1)):
        for scope, scope_id in [
            (PacketScope.SERVICE, payments.pk),
            (PacketScope.CUSTOMER, acme.pk),
        ]:
            packet = packet_of(lost_cycle, scope, scope_id)
            assert generation.packet_generate(packet_id=packet.pk, task_id=f"t-{scope}") == "ready"
    lost_cycle.refresh_from_db()
    assert lost_cycle.status == CycleStatus.GENERATING  # nobody looked whether it was done

    with _at(T0 + QUIET + timedelta(minutes=2)), django_capture_on_commit_callbacks(execute=True):
        assert tasks.resume_cycle(cycle_id=lost_cycle.pk) == 0

    lost_cycle.refresh_from_db()
    assert (lost_cycle.status, lost_cycle.note) == (CycleStatus.COMPLETE, "2 packets ready.")


def test_a_cycle_that_moves_or_is_done_is_left_alone(
    lost_cycle, payments, django_capture_on_commit_callbacks
):
    service = packet_of(lost_cycle, PacketScope.SERVICE, payments.pk)
    with _at(T0 + QUIET):
        assert generation.packet_generate(packet_id=service.pk, task_id="t-late") == "ready"

    with _at(T0 + QUIET + timedelta(minutes=5)), django_capture_on_commit_callbacks() as sent:
        assert generation.stalled_cycles() == []
        assert tasks.resume_cycle(cycle_id=lost_cycle.pk) == 0
    assert sent == []

    generation.cycle_finish(cycle_id=lost_cycle.pk, force=True)
    assert generation.stalled_cycles(now=T0 + 10 * QUIET) == []


def test_the_schedule_sweeps_every_stalled_cycle(lost_cycle, django_capture_on_commit_callbacks):
    assert "reviews-resume-stalled-cycles" in settings.CELERY_BEAT_SCHEDULE
    entry = settings.CELERY_BEAT_SCHEDULE["reviews-resume-stalled-cycles"]
    assert entry["task"] == tasks.resume_stalled_cycles.name

    with _at(T0 + QUIET + timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        assert tasks.resume_stalled_cycles.apply().get() == 2

    lost_cycle.refresh_from_db()
    assert lost_cycle.status == CycleStatus.COMPLETE


def test_a_cycle_with_nothing_to_review_whose_message_was_lost_is_finished(
    dave, django_capture_on_commit_callbacks
):
    with _at(T0):
        cycle = services.review_cycle_open(year=YEAR, user=dave)  # no service, no customer
    assert not cycle.packets.exists()

    with _at(T0 + QUIET + timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        assert generation.stalled_cycles() == [cycle.pk]
        assert tasks.resume_cycle(cycle_id=cycle.pk) == 0

    cycle.refresh_from_db()
    assert (cycle.status, cycle.note) == (CycleStatus.COMPLETE, "0 packets ready.")


def test_tasks_count_as_lost_after_their_time_limit_whatever_the_visibility_timeout(settings):
    expected = timedelta(
        seconds=generation.PACKET_TIME_LIMIT
        + generation.RETRY_BACKOFF_MAX
        + broker.LOST_GRACE_SECONDS
    )
    assert QUIET == expected < timedelta(minutes=10)
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 12 * 3600}
    assert generation.lost_after() == expected
    # The sweep runs often enough to act within minutes, and never piles up unread.
    entry = settings.CELERY_BEAT_SCHEDULE["reviews-resume-stalled-cycles"]
    assert entry["schedule"] <= 300 and entry["options"]["expires"] <= entry["schedule"]


def test_a_packet_claimed_by_a_killed_worker_is_sent_again_while_the_cycle_still_moves(
    lost_cycle, payments, acme, monkeypatch
):
    service = packet_of(lost_cycle, PacketScope.SERVICE, payments.pk)
    customer = packet_of(lost_cycle, PacketScope.CUSTOMER, acme.pk)
    with _at(T0 + timedelta(minutes=1)):
        assert generation._claim(service.pk, "killed")  # its worker died holding the message
    # Other packets keep moving (here the customer's is written just now), so the cycle is
    # not quiet; the claim alone, older than any task can hold one, says it was lost.
    later = T0 + timedelta(minutes=1) + QUIET + timedelta(seconds=1)
    with _at(later - timedelta(seconds=5)):
        assert generation._claim(customer.pk, "t-customer")
    assert generation.stalled_cycles(now=later - timedelta(seconds=2)) == []
    assert generation.stalled_cycles(now=later) == [lost_cycle.pk]

    sent = []
    send_packet, send_cycle = tasks.send_packet, tasks.send_cycle
    monkeypatch.setattr(tasks, "send_packet", lambda pk: sent.append(pk) or send_packet(pk))
    monkeypatch.setattr(tasks, "send_cycle", lambda pk: sent.append(pk) or send_cycle(pk))
    with _at(later):
        assert tasks.resume_cycle(cycle_id=lost_cycle.pk) == 1

    assert sent == [service.pk]  # only the lost packet, not the cycle's queued ones
    service.refresh_from_db()
    assert (service.status, service.attempts) == (PacketStatus.READY, 2)
    customer.refresh_from_db()
    assert (customer.status, customer.task_id) == (PacketStatus.RUNNING, "t-customer")
    with _at(later):
        assert generation.packet_generate(packet_id=customer.pk, task_id="t-customer") == "ready"
        generation.cycle_finish_if_done(packet_id=customer.pk)
    lost_cycle.refresh_from_db()
    assert (lost_cycle.status, lost_cycle.note) == (CycleStatus.COMPLETE, "2 packets ready.")
