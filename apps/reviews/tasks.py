"""Celery tasks of the annual review: thin, given ids, idempotent.

A cycle is ``prepare_cycle`` (the figures of every packet loaded at once: one GROUP BY over the
samples per timezone and a fixed number of queries for the rows and histories, instead of each
per packet), then a chord: one ``generate_packet`` per packet, carrying its own inputs
(``inputs.py``), then ``finish_cycle``. A packet task then only claims, builds and writes its
packet. Packet tasks never
raise for a bad packet (the failure is recorded on it), so the chord's body always runs; database
outages are retried with exponential backoff. ``finish_cycle`` waits (by retrying) until every
packet is ready or failed, because a redelivered message can complete the chord's count early.
"""

from __future__ import annotations

import json
import logging

from celery import chain, chord, group, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval

from apps.core.errors import TransitionNotAllowed

from . import selectors, services
from .choices import PacketStatus
from .models import ReviewPacket
from .selectors import current_packets

logger = logging.getLogger(__name__)

PACKET_SOFT_TIME_LIMIT = 120
PACKET_TIME_LIMIT = 150
MAX_RETRIES = 5
FINISH_COUNTDOWN = 5
# finish_cycle gives lost packets this long (retries × countdown) before failing them.
FINISH_MAX_RETRIES = 720


def _backoff(retries: int) -> int:
    return get_exponential_backoff_interval(
        factor=2, retries=retries, maximum=300, full_jitter=True
    )


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=MAX_RETRIES,
    soft_time_limit=PACKET_SOFT_TIME_LIMIT,
    time_limit=PACKET_TIME_LIMIT,
)
def generate_packet(self, packet_id: int, inputs: str | dict | None = None) -> str:
    """``inputs``: the packet's share of ``selectors.cycle_inputs``, as JSON text (None: it
    loads them)."""
    task_id = self.request.id or f"local-{packet_id}"
    if isinstance(inputs, str):
        inputs = json.loads(inputs)
    try:
        return services.packet_generate(packet_id=packet_id, task_id=task_id, inputs=inputs)
    except services.RETRYABLE_ERRORS as error:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=error, countdown=_backoff(self.request.retries)) from error
        services.packet_fail(packet_id=packet_id, task_id=task_id, reason=f"Gave up: {error}")
        return "failed"
    except SoftTimeLimitExceeded:
        services.packet_fail(
            packet_id=packet_id,
            task_id=task_id,
            reason=f"Took longer than {PACKET_SOFT_TIME_LIMIT} s.",
        )
        return "failed"


@shared_task(bind=True, acks_late=True, max_retries=FINISH_MAX_RETRIES)
def finish_cycle(self, cycle_id: int) -> bool:
    force = self.request.retries >= self.max_retries
    if services.cycle_finish(cycle_id=cycle_id, force=force):
        return True
    raise self.retry(countdown=FINISH_COUNTDOWN)


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


def _pending(cycle_id: int) -> dict[int, tuple[str, int]]:
    rows = (
        current_packets(ReviewPacket.objects.filter(cycle_id=cycle_id, status=PacketStatus.PENDING))
        .order_by("id")
        .values_list("id", "scope", "scope_id")
    )
    return {pk: (scope, scope_id) for pk, scope, scope_id in rows}


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def prepare_cycle(self, cycle_id: int) -> int:
    """Load the inputs of every pending packet at once, then fan the packets out as a chord
    whose body finishes the cycle. Run twice (a redelivery), the second chord's packet tasks
    find their packets taken and skip."""
    scopes = _pending(cycle_id)
    if not scopes:
        finish_cycle.delay(cycle_id)
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
    # As text: the broker's serialiser then copies one string instead of walking every figure.
    packets = group(
        generate_packet.si(pk, inputs=_text(given[pk]) if pk in given else None) for pk in scopes
    )
    chord(packets)(finish_cycle.si(cycle_id))
    return len(scopes)


def _text(inputs: dict) -> str:
    return json.dumps(inputs, separators=(",", ":"))


def generate_cycle(cycle_id: int):
    """Start generating the cycle's pending packets (see ``prepare_cycle``)."""
    return prepare_cycle.delay(cycle_id)


def generate_one(packet_id: int, cycle_id: int):
    """A regenerated packet, then the cycle's completion again."""
    return chain(generate_packet.si(packet_id), finish_cycle.si(cycle_id)).apply_async()
