"""Celery tasks of the annual review: thin, given ids, idempotent.

A cycle is a chord: one ``generate_packet`` per packet, then ``finish_cycle``. Packet tasks never
raise for a bad packet (the failure is recorded on it), so the chord's body always runs; database
outages are retried with exponential backoff. ``finish_cycle`` waits (by retrying) until every
packet is ready or failed, because a redelivered message can complete the chord's count early.
"""

from __future__ import annotations

import logging

from celery import chain, chord, group, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.utils.time import get_exponential_backoff_interval

from apps.core.errors import TransitionNotAllowed

from . import services
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
def generate_packet(self, packet_id: int) -> str:
    task_id = self.request.id or f"local-{packet_id}"
    try:
        return services.packet_generate(packet_id=packet_id, task_id=task_id)
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


def generate_cycle(cycle_id: int):
    """Fan out the cycle's pending packets as a chord whose body finishes the cycle."""
    ids = list(
        current_packets(ReviewPacket.objects.filter(cycle_id=cycle_id, status=PacketStatus.PENDING))
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not ids:
        return finish_cycle.delay(cycle_id)
    return chord(group(generate_packet.si(pk) for pk in ids))(finish_cycle.si(cycle_id))


def generate_one(packet_id: int, cycle_id: int):
    """A regenerated packet, then the cycle's completion again."""
    return chain(generate_packet.si(packet_id), finish_cycle.si(cycle_id)).apply_async()
