"""The worker side of a review cycle: what the packet tasks (tasks.py) do.

Claiming, building, writing and failing packets, finishing a cycle once nothing is left in it,
and choosing what the stalled-cycle sweep sends again. Nothing here sends a message: the tasks
do, so this module imports neither ``services`` (the user-facing writes, which send the tasks
after commit) nor ``tasks``. Generation claims a packet optimistically, so a retried,
redelivered or duplicated task writes one packet, once.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from apps.core import broker

from . import packets, selectors
from .choices import CLAIMABLE_STATES, FINISHED_STATES, CycleStatus, PacketScope, PacketStatus
from .models import ReviewCycle, ReviewPacket

logger = logging.getLogger(__name__)

# Errors worth a retry: the database went away for a moment. Anything else is a fault in the
# data or the code, recorded on the packet so the other packets still complete.
RETRYABLE_ERRORS = (OperationalError, InterfaceError)
# PostgreSQL notification channel: the id of each cycle whose end commits, for whoever waits on
# it without polling (the review bench; a dashboard could too).
CYCLE_FINISHED_CHANNEL = "covenant_review_cycle_finished"
# The time limits of one packet task, whether it generates one packet or a chunk of them; the
# tasks use them, and ``lost_after`` counts from them.
PACKET_SOFT_TIME_LIMIT = 120
PACKET_TIME_LIMIT = 150
# The longest wait between two attempts of a task (exponential backoff, full jitter).
RETRY_BACKOFF_MAX = 300


def save_with_history(instance, *, user, reason: str) -> None:
    """Save with the user and reason that the history row records."""
    instance._history_user = user
    instance._change_reason = reason
    instance.save()


# --- cycles -----------------------------------------------------------------------------------


def cycle_finish(*, cycle_id: int, force: bool = False) -> bool:
    """Mark the cycle complete once every current packet is ready or failed.

    Returns False while some are still pending or running. With ``force`` (an operator ending
    a cycle whose tasks were lost for good, with the broker's data say) those are marked failed
    instead.
    """
    with transaction.atomic():
        cycle = ReviewCycle.objects.select_for_update().get(pk=cycle_id)
        current = selectors.current_packet_states(cycle_id)
        unfinished = _unfinished(current)
        if unfinished:
            if not force:
                return False
            ReviewPacket.objects.filter(
                pk__in=unfinished, status__in=[PacketStatus.PENDING, PacketStatus.RUNNING]
            ).update(status=PacketStatus.FAILED, error="No worker finished this packet in time.")
            current = selectors.current_packet_states(cycle_id)  # one may have ended meanwhile
        counts = Counter(current.values())
        total = sum(counts.values())
        failed = counts.get(PacketStatus.FAILED, 0)
        if total and failed == total:
            status, note = CycleStatus.FAILED, f"All {total} packets failed."
        elif failed:
            status = CycleStatus.COMPLETE
            note = f"{failed} of {total} packets failed: regenerate them."
        else:
            status, note = CycleStatus.COMPLETE, f"{total} packets ready."
        if cycle.status == status and cycle.note == note and cycle.completed_at:
            return True  # a duplicate finish: nothing new to record
        cycle.status = status
        cycle.note = note
        cycle.completed_at = timezone.now()
        save_with_history(cycle, user=None, reason=f"Generation finished: {note}")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # delivered when the transaction commits
                cursor.execute("SELECT pg_notify(%s, %s)", [CYCLE_FINISHED_CHANNEL, str(cycle_id)])
    return True


def cycle_finish_if_done(*, packet_id: int) -> bool:
    """Finish the packet's cycle if none of its packets is left to generate; True if it did.

    Every packet task calls this once its packet is written, failed or found taken, after its
    own write committed: so the last of them to commit always finds nothing left, and finishes
    the cycle. Two that end at the same moment may both find so; ``cycle_finish`` locks the
    cycle and records its end once.
    """
    unfinished = ReviewPacket.objects.filter(cycle_id=OuterRef("cycle_id")).exclude(
        status__in=FINISHED_STATES
    )
    row = (
        ReviewPacket.objects.filter(pk=packet_id)
        .values_list("cycle_id", Exists(unfinished))
        .first()
    )
    if row is None:
        return False
    cycle_id, anything_left = row
    return not anything_left and cycle_finish(cycle_id=cycle_id)


def lost_after() -> timedelta:
    """How long a packet may stay claimed, or a generating cycle go without a packet being
    created, claimed or written, before its tasks count as lost (``apps.core.broker.lost_after``:
    a packet task that hits its hard time limit is failed there by ``fail_packets``).
    ``REVIEW_TASK_LOST_SECONDS`` overrides it (the worker tests).
    """
    return broker.lost_after(
        time_limit=PACKET_TIME_LIMIT,
        backoff_max=RETRY_BACKOFF_MAX,
        setting="REVIEW_TASK_LOST_SECONDS",
    )


def _unfinished(states: dict[int, str]) -> list[int]:
    """The packets among ``states`` (id → status) that are neither ready nor failed."""
    return [pk for pk, status in states.items() if status not in FINISHED_STATES]


def _stall_annotations(cutoff):
    # A cycle without packets (nothing to review) counts from its opening.
    created = Coalesce(Max("packets__created_at"), F("opened_at"))
    latest = Greatest(
        created,
        Coalesce(Max("packets__started_at"), created),
        Coalesce(Max("packets__generated_at"), created),
    )
    lost = Count(
        "packets",
        filter=Q(packets__status=PacketStatus.RUNNING, packets__started_at__lt=cutoff),
    )
    return {"latest": latest, "lost": lost}


def stalled_cycles(*, now=None, ids=None) -> list[int]:
    """Cycles still generating whose tasks were lost (``lost_after``): a packet claimed by a
    task that never ended (its worker was killed), or nothing created, claimed or written at
    all (the broker was down when the cycle was sent, or lost its messages). Nothing else
    would ever finish them. ``ids``: only among these cycles."""
    cutoff = (now or timezone.now()) - lost_after()
    cycles = ReviewCycle.objects.filter(status=CycleStatus.GENERATING)
    if ids is not None:
        cycles = cycles.filter(id__in=ids)
    return list(
        cycles.annotate(**_stall_annotations(cutoff))
        .filter(Q(latest__lt=cutoff) | Q(lost__gt=0))
        .order_by("id")
        .values_list("id", flat=True)
    )


@dataclass
class Resend:
    """What the sweep sends again for one stalled cycle (``cycle_release_lost``): the lost
    packets one by one, the whole cycle, or nothing but its finish."""

    packet_ids: list[int] = field(default_factory=list)
    whole_cycle: bool = False
    finish: bool = False
    count: int = 0


def cycle_release_lost(*, cycle_id: int, now=None) -> Resend:
    """Put a stalled cycle's lost packets back to pending; what the sweep must send again.

    A packet claimed by a task that was lost goes back to pending (should that task come back
    after all, the claim lets only one of the two write it). In a cycle where nothing moves,
    every unfinished packet is lost: the whole cycle is sent again, or, none being left, it is
    finished. In a cycle that still moves (other workers are on its packets, whose messages are
    queued), only the lost packets are sent.
    """
    cutoff = (now or timezone.now()) - lost_after()
    with transaction.atomic():
        cycle = ReviewCycle.objects.select_for_update().get(pk=cycle_id)
        if cycle.status != CycleStatus.GENERATING:
            return Resend()
        stall = (
            ReviewCycle.objects.filter(pk=cycle_id)
            .annotate(**_stall_annotations(cutoff))
            .values("latest", "lost")
            .get()
        )
        quiet = stall["latest"] < cutoff
        if not quiet and not stall["lost"]:
            return Resend()
        unfinished = _unfinished(selectors.current_packet_states(cycle_id))
        lost = list(
            ReviewPacket.objects.filter(
                pk__in=unfinished, status=PacketStatus.RUNNING, started_at__lt=cutoff
            ).values_list("pk", flat=True)
        )
        ReviewPacket.objects.filter(pk__in=lost).update(
            status=PacketStatus.PENDING, task_id="", error="Its task was lost: sent again."
        )
    resent = unfinished if quiet else lost
    logger.warning("Review cycle %s stalled: sending %s packet(s) again.", cycle_id, len(resent))
    if not quiet:
        return Resend(packet_ids=lost, count=len(resent))
    return Resend(whole_cycle=bool(unfinished), finish=not unfinished, count=len(resent))


# --- packets ----------------------------------------------------------------------------------


def _claimable(task_id: str) -> Q:
    # The same task again (a retry, or its message redelivered after the worker died while it
    # ran) carries the same id: it resumes the packets it had claimed.
    return Q(status__in=CLAIMABLE_STATES) | Q(status=PacketStatus.RUNNING, task_id=task_id)


def packets_claim(*, packet_ids: list[int], task_id: str) -> list[ReviewPacket]:
    """Take for this task each of these packets that no other task holds and that is not done;
    the packets taken, with their cycle's year.

    The update tests each row's state as it changes it, so two tasks given the same packet
    never both take it.
    """
    ReviewPacket.objects.filter(_claimable(task_id), pk__in=packet_ids).update(
        status=PacketStatus.RUNNING,
        task_id=task_id,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
        error="",
    )
    return list(
        ReviewPacket.objects.filter(pk__in=packet_ids, status=PacketStatus.RUNNING, task_id=task_id)
        .select_related("cycle")
        .only("pk", "scope", "scope_id", "cycle__year")
        .order_by("pk")
    )


def _claim(packet_id: int, task_id: str) -> bool:
    """Take one packet for this task; False when another task has it or it is done."""
    return bool(packets_claim(packet_ids=[packet_id], task_id=task_id))


def packet_content(packet: ReviewPacket) -> dict:
    return _content(packet.scope, packet.scope_id, packet.cycle.year)


def _content(scope: str, scope_id: int, year: int) -> dict:
    if scope == PacketScope.SERVICE:
        return selectors.service_packet_data(scope_id, year)
    return selectors.customer_packet_data(scope_id, year)


def packet_generate(*, packet_id: int, task_id: str) -> str:
    """Build and store one packet: "ready", "failed" (reason recorded) or "skipped"."""
    return packets_generate(packet_ids=[packet_id], task_id=task_id)[packet_id]


def packets_generate(*, packet_ids: list[int], task_id: str) -> dict[int, str]:
    """Build and store each of these packets; by packet, "ready", "failed" (reason recorded)
    or "skipped" (another task has it, or it is done).

    The figures of all of them are loaded together (``selectors.packet_figures``), then each
    packet is built and written on its own. Database outages propagate (the task retries them;
    its packets stay claimed by it, so the retry resumes them and skips those written); any
    other error fails only the packet it concerns, so one bad packet never stops the others or
    the cycle's completion.
    """
    outcomes = dict.fromkeys(packet_ids, "skipped")
    claimed = packets_claim(packet_ids=packet_ids, task_id=task_id)
    if len(claimed) < len(packet_ids):
        logger.info(
            "Review packets %s: already taken or done, skipping.",
            sorted(set(packet_ids) - {packet.pk for packet in claimed}),
        )
    # Lets the worker tests catch a packet mid-generation; zero everywhere else.
    delay = getattr(settings, "REVIEW_PACKET_TEST_DELAY", 0)
    if claimed and delay:
        time.sleep(delay)
    by_year: dict[int, list[ReviewPacket]] = defaultdict(list)
    for packet in claimed:
        by_year[packet.cycle.year].append(packet)
    for year, group in by_year.items():
        figures = _figures(year, group)
        for packet in group:
            outcomes[packet.pk] = _build_and_write(packet, task_id=task_id, figures=figures)
    return outcomes


def _figures(year: int, group: list[ReviewPacket]) -> selectors.PacketFigures | None:
    """The figures of these packets, or None when loading them together fails: each packet
    then loads its own, so that a fault in one packet's figures fails that packet alone."""
    try:
        return selectors.packet_figures(year, [(p.scope, p.scope_id) for p in group])
    except RETRYABLE_ERRORS:
        raise
    except Exception:
        logger.exception("Review packets %s: loading their figures together failed.", group)
        return None


def _build_and_write(packet: ReviewPacket, *, task_id: str, figures) -> str:
    try:
        if figures is None:
            data = _content(packet.scope, packet.scope_id, packet.cycle.year)
        else:
            data = figures.packet(packet.scope, packet.scope_id)
        canonical = packets.canonical_json(data)
    except RETRYABLE_ERRORS:
        raise
    except Exception as error:
        logger.exception("Review packet %s failed.", packet.pk)
        packet_fail(packet_id=packet.pk, task_id=task_id, reason=f"{type(error).__name__}: {error}")
        return "failed"
    written = ReviewPacket.objects.filter(
        pk=packet.pk, status=PacketStatus.RUNNING, task_id=task_id
    ).update(
        status=PacketStatus.READY,
        # The canonical text itself, which the hash is taken of: stored as it is, not
        # serialised again by the field.
        data=Value(canonical),
        content_hash=packets.text_hash(canonical),
        generated_at=timezone.now(),
        error="",
    )
    return "ready" if written else "skipped"


def packet_fail(*, packet_id: int, task_id: str, reason: str) -> bool:
    """Record why this task's packet could not be generated (a regeneration can follow)."""
    return bool(
        ReviewPacket.objects.filter(
            id=packet_id, status=PacketStatus.RUNNING, task_id=task_id
        ).update(status=PacketStatus.FAILED, error=reason[:2000])
    )
