"""Celery tasks of the annual review: thin, given ids, idempotent.

A cycle is ``prepare_cycle`` (the figures of every packet loaded at once: one GROUP BY over the
samples per timezone and a fixed number of queries for the rows and histories, instead of each
per packet), then a group: one ``generate_packet`` per packet, carrying its own inputs
(``inputs.py``). A packet task only claims, builds and writes its packet, then looks whether any
packet of the cycle is left: the last one finishes the cycle (``services.cycle_finish_if_done``).
No result is stored and no chord counted in the broker: the packets' own states say when the
cycle is done, so a redelivered or duplicated task can neither end it early nor twice.

Packet tasks never raise for a bad packet (the failure is recorded on it); database outages are
retried with exponential backoff; a task stopped at its hard time limit has its packet failed by
``fail_packet``, so that the cycle still ends; and a cycle whose messages the broker lost is sent
again by the schedule's ``resume_stalled_cycles``.
"""

from __future__ import annotations

import base64
import logging
import zlib

import orjson
from celery import Task, group, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval

from apps.core.errors import TransitionNotAllowed

from . import selectors, services
from .choices import PacketStatus
from .models import ReviewPacket

logger = logging.getLogger(__name__)

# zlib's level for the inputs in packet messages: past 3 they shrink little for twice the time.
INPUTS_COMPRESSION = 3
PACKET_SOFT_TIME_LIMIT = 120
PACKET_TIME_LIMIT = 150
MAX_RETRIES = 5
# The longest wait between two attempts of a task (exponential backoff, full jitter).
RETRY_BACKOFF_MAX = 300
# Packet messages sent to the broker per round trip.
PUBLISH_BATCH = 25


def _backoff(retries: int) -> int:
    return get_exponential_backoff_interval(
        factor=2, retries=retries, maximum=RETRY_BACKOFF_MAX, full_jitter=True
    )


class PacketTask(Task):
    """A packet task that ends without recording its outcome (the pool killed it at its hard
    time limit, or an error escaped) has its packet failed by ``fail_packet``, so that the
    cycle still finishes. Runs where Celery notices the failure (the worker's main process for
    a hard time limit): it only enqueues."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        packet_id = args[0] if args else kwargs["packet_id"]
        if isinstance(exc, TimeLimitExceeded):
            reason = f"Stopped at the hard time limit of {PACKET_TIME_LIMIT} s."
        else:
            reason = f"{type(exc).__name__}: {exc}"
        fail_packet.delay(packet_id, task_id, reason)


@shared_task(
    bind=True,
    base=PacketTask,
    acks_late=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=PACKET_SOFT_TIME_LIMIT,
    time_limit=PACKET_TIME_LIMIT,
)
def generate_packet(self, packet_id: int, inputs: str | dict | None = None) -> str:
    """``inputs``: the packet's share of ``selectors.cycle_inputs``, ``packed`` (None: it loads
    them)."""
    task_id = self.request.id or f"local-{packet_id}"
    if isinstance(inputs, str):
        inputs = unpacked(inputs)
    try:
        outcome = services.packet_generate(packet_id=packet_id, task_id=task_id, inputs=inputs)
    except services.RETRYABLE_ERRORS as error:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from error
        services.packet_fail(packet_id=packet_id, task_id=task_id, reason=f"Gave up: {error}")
        outcome = "failed"
    except SoftTimeLimitExceeded:
        services.packet_fail(
            packet_id=packet_id,
            task_id=task_id,
            reason=f"Took longer than {PACKET_SOFT_TIME_LIMIT} s.",
        )
        outcome = "failed"
    # Also when skipped: the task that wrote this packet may have died before this look.
    services.cycle_finish_if_done(packet_id=packet_id)
    return outcome


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def fail_packet(self, packet_id: int, task_id: str, reason: str) -> None:
    """Record why a packet task ended without recording it, then finish the cycle if that
    packet was the last (see ``PacketTask``)."""
    try:
        services.packet_fail(packet_id=packet_id, task_id=task_id, reason=reason)
        services.cycle_finish_if_done(packet_id=packet_id)
    except services.RETRYABLE_ERRORS as error:
        raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from error


@shared_task(acks_late=True)
def open_annual_review_cycle() -> int | None:
    """The yearly schedule: open the review of the year that just ended (once)."""
    year = services.previous_year()
    try:
        cycle = services.review_cycle_open(year=year, user=None)
    except TransitionNotAllowed:
        logger.info("The review cycle for %s is already open.", year)
        return None
    return cycle.pk


@shared_task(acks_late=True)
def resume_stalled_cycles() -> int:
    """The schedule's sweep: send again the packets of cycles whose tasks were lost (a
    broker down when they were sent, a worker killed mid-packet: ``services.lost_after``)."""
    return sum(services.cycle_resume(cycle_id=pk) for pk in services.stalled_cycles())


def _pending(cycle_id: int) -> dict[int, tuple[str, int]]:
    # A pending packet is always its scope's latest version (a new version is only made from a
    # finished latest one): no test of currency is needed.
    rows = (
        ReviewPacket.objects.filter(cycle_id=cycle_id, status=PacketStatus.PENDING)
        .order_by("id")
        .values_list("id", "scope", "scope_id")
    )
    return {pk: (scope, scope_id) for pk, scope, scope_id in rows}


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def prepare_cycle(self, cycle_id: int) -> int:
    """Load the inputs of every pending packet at once, then fan the packets out as a group.
    Run twice (a redelivery), the second group's packet tasks find their packets taken and
    skip."""
    scopes = _pending(cycle_id)
    if not scopes:
        # Nothing pending: no packets at all, or a redelivery whose packets are under way (and
        # whose tasks finish the cycle).
        services.cycle_finish(cycle_id=cycle_id)
        return 0
    year = ReviewPacket.objects.filter(cycle_id=cycle_id).values_list("cycle__year", flat=True)[0]
    try:
        given = selectors.cycle_inputs(year, scopes)
    except services.RETRYABLE_ERRORS as error:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from error
        given = {}
    except Exception:
        # Not worth losing the cycle over: each packet then loads its own figures (and one bad
        # packet fails alone, recorded on it).
        logger.exception("Inputs of review cycle %s failed; packets will load their own.", cycle_id)
        given = {}
    packets = group(_packet_signature(pk, given.get(pk)) for pk in scopes)
    # In batches: the broker gets the messages a few dozen per round trip instead of one each,
    # and workers start on the first while the rest are still being sent.
    with self.app.producer_or_acquire() as producer, producer.batch(max_size=PUBLISH_BATCH):
        packets.apply_async(producer=producer)
    return len(scopes)


def _packet_signature(packet_id: int, inputs: dict | None):
    """The packet's task, with its inputs packed. Its logs and events show the packet id and
    the size of the inputs: Celery would otherwise make a truncated copy of them for every
    message (a fifth of the time a cycle spends sending its packets)."""
    if inputs is None:
        return generate_packet.si(packet_id)
    message = packed(inputs)
    return generate_packet.si(packet_id, inputs=message).set(
        argsrepr=f"({packet_id},)", kwargsrepr=f"{{'inputs': <{len(message)} characters>}}"
    )


def packed(inputs: dict) -> str:
    """A packet's inputs as its message carries them: compact JSON, compressed, as base64 text.

    Text, so that the broker's serialiser copies one string instead of walking every figure;
    compressed (to a fifth), because the worker's main process, through which every message
    passes, copies each several times: from the broker, into its set of unacknowledged
    messages, down the pipe to the process that runs the task.
    """
    text = orjson.dumps(inputs)
    return base64.b64encode(zlib.compress(text, INPUTS_COMPRESSION)).decode("ascii")


def unpacked(message: str) -> dict:
    """The inputs ``packed`` made (or plain JSON text, as messages carried them before)."""
    if message.startswith("{"):
        return orjson.loads(message)
    return orjson.loads(zlib.decompress(base64.b64decode(message)))


def generate_cycle(cycle_id: int):
    """Start generating the cycle's pending packets (see ``prepare_cycle``)."""
    return prepare_cycle.delay(cycle_id)


def generate_one(packet_id: int):
    """A regenerated packet: its task finishes the cycle again."""
    return generate_packet.delay(packet_id)
