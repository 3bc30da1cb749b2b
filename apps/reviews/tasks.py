"""Celery tasks of the annual review: thin, given ids, idempotent.

A cycle is ``prepare_cycle``, which splits the cycle's pending packets into chunks of
``REVIEW_PACKETS_PER_TASK`` and sends one ``generate_packets`` per chunk. A chunk's task claims
its packets, loads their figures together (a fixed number of queries, through the selectors a
regeneration uses too), builds and writes each packet on its own, then looks whether any packet
of the cycle is left: the last task finishes the cycle (``generation.cycle_finish_if_done``). No
result is stored and no chord counted in the broker: the packets' own states say when the cycle
is done, so a redelivered or duplicated task can neither end it early nor twice.

What a task does to the packets is ``generation.py``; this module only sends and retries. The
user-facing writes (``generation.py``) send these tasks after commit through ``send_cycle`` and
``send_packet``, so the dependency runs one way: services → tasks → generation.

Packet tasks never raise for a bad packet (the failure is recorded on it); database outages are
retried with exponential backoff; a task stopped at its hard time limit has its packets failed
by ``fail_packets``, so that the cycle still ends; and a cycle whose messages the broker lost is
sent again by the schedule's ``resume_stalled_cycles``.
"""

from __future__ import annotations

import logging

from celery import Task, group, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from apps.core.broker import BROKER_ERRORS

from . import generation
from .choices import PacketStatus
from .generation import PACKET_SOFT_TIME_LIMIT, PACKET_TIME_LIMIT, RETRY_BACKOFF_MAX
from .models import ReviewPacket

logger = logging.getLogger(__name__)

# The time limits of a packet task and its longest backoff live in generation.py, beside
# ``lost_after``, which counts from them.
MAX_RETRIES = 5
# Packets per task of a cycle, unless settings.REVIEW_PACKETS_PER_TASK says otherwise. Each
# task reads the samples of its chunk's indicators once (a customer's lines span many of
# them), so larger chunks read them fewer times; a chunk still ends well within its time
# limits, and a cycle of a few hundred packets still keeps several workers busy.
PACKETS_PER_TASK = 100


def packets_per_task() -> int:
    return max(int(getattr(settings, "REVIEW_PACKETS_PER_TASK", PACKETS_PER_TASK)), 1)


def _backoff(retries: int) -> int:
    return get_exponential_backoff_interval(
        factor=2, retries=retries, maximum=RETRY_BACKOFF_MAX, full_jitter=True
    )


def _packet_ids(args, kwargs) -> list[int]:
    """The packets of a ``generate_packet`` (one id) or ``generate_packets`` (a list) call."""
    given = args[0] if args else kwargs.get("packet_ids", kwargs.get("packet_id"))
    return list(given) if isinstance(given, list | tuple) else [given]


class PacketTask(Task):
    """A packet task that ends without recording its outcome (the pool killed it at its hard
    time limit, or an error escaped) has its packets failed by ``fail_packets``, so that the
    cycle still finishes. Runs where Celery notices the failure (the worker's main process for
    a hard time limit): it only enqueues."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        if isinstance(exc, TimeLimitExceeded):
            reason = f"Stopped at the hard time limit of {PACKET_TIME_LIMIT} s."
        else:
            reason = f"{type(exc).__name__}: {exc}"
        fail_packets.delay(_packet_ids(args, kwargs), task_id, reason)


def _generate(task, packet_ids: list[int]) -> dict[int, str]:
    """Generate these packets in ``task`` (retried on database outages), then finish their
    cycle if nothing is left in it."""
    task_id = task.request.id or f"local-{packet_ids[0]}"
    try:
        outcomes = generation.packets_generate(packet_ids=packet_ids, task_id=task_id)
    except generation.RETRYABLE_ERRORS as error:
        if task.request.retries < task.max_retries:
            raise task.retry(exc=error, countdown=_backoff(task.request.retries)) from error
        outcomes = _fail_running(packet_ids, task_id, f"Gave up: {error}")
    except SoftTimeLimitExceeded:
        outcomes = _fail_running(
            packet_ids, task_id, f"Took longer than {PACKET_SOFT_TIME_LIMIT} s."
        )
    # Also when skipped: the task that wrote these packets may have died before this look.
    generation.cycle_finish_if_done(packet_id=packet_ids[0])
    return outcomes


def _fail_running(packet_ids: list[int], task_id: str, reason: str) -> dict[int, str]:
    """Fail those of these packets that this task still holds; the packets' outcomes."""
    outcomes = {}
    for packet_id in packet_ids:
        failed = generation.packet_fail(packet_id=packet_id, task_id=task_id, reason=reason)
        outcomes[packet_id] = "failed" if failed else "skipped"
    return outcomes


_PACKET_TASK_OPTIONS = {
    "bind": True,
    "base": PacketTask,
    "acks_late": True,
    "max_retries": MAX_RETRIES,
    "soft_time_limit": PACKET_SOFT_TIME_LIMIT,
    "time_limit": PACKET_TIME_LIMIT,
}


@shared_task(**_PACKET_TASK_OPTIONS)
def generate_packets(self, packet_ids: list[int]) -> dict[int, str]:
    """A chunk of one cycle's packets (see the module's docstring)."""
    return _generate(self, list(packet_ids))


@shared_task(**_PACKET_TASK_OPTIONS)
def generate_packet(self, packet_id: int) -> str:
    """One packet: a regeneration, or a packet the stalled-cycle sweep sends again."""
    return _generate(self, [packet_id])[packet_id]


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def fail_packets(self, packet_ids: list[int], task_id: str, reason: str) -> None:
    """Record why a packet task ended without recording it, then finish the cycle if those
    packets were the last (see ``PacketTask``)."""
    try:
        _fail_running(packet_ids, task_id, reason)
        generation.cycle_finish_if_done(packet_id=packet_ids[0])
    except generation.RETRYABLE_ERRORS as error:
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from error


@shared_task(acks_late=True)
def resume_stalled_cycles() -> int:
    """The schedule's sweep: send again the packets of cycles whose tasks were lost (a
    broker down when they were sent, a worker killed mid-packet: ``generation.lost_after``)."""
    return sum(resume_cycle(cycle_id) for cycle_id in generation.stalled_cycles())


def resume_cycle(cycle_id: int) -> int:
    """Send a stalled cycle's lost packets again (``generation.cycle_release_lost`` chooses
    them and puts them back to pending); how many."""
    resend = generation.cycle_release_lost(cycle_id=cycle_id)
    for packet_id in resend.packet_ids:
        send_packet(packet_id)
    if resend.whole_cycle:
        send_cycle(cycle_id)
    if resend.finish:
        generation.cycle_finish(cycle_id=cycle_id)
    return resend.count


def pending_packets(cycle_id: int) -> list[int]:
    # A pending packet is always its scope's latest version (a new version is only made from a
    # finished latest one): no test of currency is needed.
    return list(
        ReviewPacket.objects.filter(cycle_id=cycle_id, status=PacketStatus.PENDING)
        .order_by("id")
        .values_list("id", flat=True)
    )


def chunks(packet_ids: list[int], size: int) -> list[list[int]]:
    return [packet_ids[start : start + size] for start in range(0, len(packet_ids), size)]


@shared_task(acks_late=True)
def prepare_cycle(cycle_id: int) -> int:
    """Send the cycle's pending packets to the workers, a chunk per task. Run twice (a
    redelivery), the second round's tasks find their packets taken and skip."""
    pending = pending_packets(cycle_id)
    if not pending:
        # Nothing pending: no packets at all, or a redelivery whose packets are under way (and
        # whose tasks finish the cycle).
        generation.cycle_finish(cycle_id=cycle_id)
        return 0
    group(generate_packets.si(chunk) for chunk in chunks(pending, packets_per_task())).delay()
    return len(pending)


def send_cycle(cycle_id: int) -> None:
    """Start generating the cycle's pending packets (see ``prepare_cycle``). Called after
    commit: a broker that is down loses nothing (the cycle and its pending packets are
    committed) and fails nothing that the user did; the stalled-cycle sweep sends the cycle
    once nothing moved in it for ``generation.lost_after()``."""
    try:
        prepare_cycle.delay(cycle_id)
    except BROKER_ERRORS:
        logger.warning(
            "Review cycle %s: the broker refused it; the stalled-cycle sweep sends it again.",
            cycle_id,
            exc_info=True,
        )


def send_packet(packet_id: int) -> None:
    """Generate one packet (a regeneration, or one the sweep sends again); its task finishes
    the cycle again. As with ``send_cycle``, a broker that is down is logged and the sweep
    sends the packet later."""
    try:
        generate_packet.delay(packet_id)
    except BROKER_ERRORS:
        logger.warning(
            "Review packet %s: the broker refused it; the stalled-cycle sweep sends it again.",
            packet_id,
            exc_info=True,
        )
