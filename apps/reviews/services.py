"""Every write to review cycles, packets and sign-offs goes through these functions.

Opening a cycle creates one pending packet per service and per customer with binding contracts
and, once the transaction commits, hands their ids to Celery (tasks.py). Generation claims a
packet optimistically, so a retried, redelivered or duplicated task writes one packet, once.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from apps.catalog.models import Service
from apps.core.errors import TransitionNotAllowed

from . import packets, selectors
from .choices import (
    CLAIMABLE_STATES,
    FINISHED_STATES,
    SIGNOFF_PERMISSIONS,
    CycleStatus,
    PacketScope,
    PacketStatus,
    SignOffRole,
)
from .models import ReviewCycle, ReviewPacket, ReviewSignOff

logger = logging.getLogger(__name__)

# Errors worth a retry: the database went away for a moment. Anything else is a fault in the
# data or the code, recorded on the packet so the other packets still complete.
RETRYABLE_ERRORS = (OperationalError, InterfaceError)
FIRST_YEAR = 2000
# PostgreSQL notification channel: the id of each cycle whose end commits, for whoever waits on
# it without polling (the review bench; a dashboard could too).
CYCLE_FINISHED_CHANNEL = "covenant_review_cycle_finished"
# Seconds beyond a packet task's hard time limit and longest retry backoff before the sweep
# takes its packet for lost: room for the clocks of workers and database to differ.
LOST_GRACE_SECONDS = 30


def _save(instance, *, user, reason: str) -> None:
    instance._history_user = user
    instance._change_reason = reason
    instance.save()


def _check_year(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError, OverflowError) as error:  # OverflowError: 1e309 is inf
        raise ValidationError({"year": "Give the year as a number, e.g. 2025."}) from error
    this_year = timezone.localdate().year
    if not FIRST_YEAR <= year <= this_year:
        raise ValidationError(
            {"year": f"A review covers a year from {FIRST_YEAR} to {this_year}, not {year}."}
        )
    return year


def can_open_cycle(user) -> bool:
    return user is not None and user.has_perm("reviews.open_reviewcycle")


# --- cycles -----------------------------------------------------------------------------------


def review_cycle_open(*, year, user=None) -> ReviewCycle:
    """Open the review of ``year`` and start generating its packets after commit.

    ``user`` None is the yearly schedule itself; people need Leadership (or superuser).
    """
    if user is not None and not can_open_cycle(user):
        raise PermissionDenied("Only leadership may open a review cycle.")
    year = _check_year(year)
    first, last = selectors.year_days(year)
    with transaction.atomic():
        if ReviewCycle.objects.filter(year=year).exists():
            raise TransitionNotAllowed(f"A review cycle for {year} already exists.")
        cycle = ReviewCycle(
            year=year,
            period_start=first,
            period_end=last,
            status=CycleStatus.GENERATING,
            opened_by=user,
        )
        try:
            with transaction.atomic():
                _save(cycle, user=user, reason="Review cycle opened.")
        except IntegrityError as error:  # another request opened it a moment ago
            raise TransitionNotAllowed(f"A review cycle for {year} already exists.") from error
        scopes = [
            (PacketScope.SERVICE, pk, name)
            for pk, name in Service.objects.order_by("name").values_list("pk", "name")
        ] + [
            (PacketScope.CUSTOMER, pk, name)
            for pk, name in selectors.customers_for_year(year)
            .order_by("name")
            .values_list("pk", "name")
        ]
        ReviewPacket.objects.bulk_create(
            [
                ReviewPacket(cycle=cycle, scope=scope, scope_id=pk, scope_label=name)
                for scope, pk, name in scopes
            ]
        )
        transaction.on_commit(lambda: _enqueue_cycle(cycle.pk), robust=True)
    return cycle


# What Celery raises when it cannot hand a message to the broker (kombu's OperationalError
# wraps the connection's own error).
BROKER_ERRORS = (KombuOperationalError, ConnectionError, OSError)


def _enqueue_cycle(cycle_id: int) -> None:
    """Send the cycle to the workers. Runs after commit: a broker that is down loses nothing
    (the cycle and its pending packets are committed) and fails nothing that the user did; the
    stalled-cycle sweep sends the cycle once nothing moved in it for ``lost_after()``."""
    from . import tasks

    try:
        tasks.generate_cycle(cycle_id)
    except BROKER_ERRORS:
        logger.warning(
            "Review cycle %s: the broker refused it; the stalled-cycle sweep sends it again.",
            cycle_id,
            exc_info=True,
        )


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
        _save(cycle, user=None, reason=f"Generation finished: {note}")
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
    created, claimed or written, before its tasks count as lost.

    A packet task ends within its hard time limit (or is failed there by ``fail_packets``) and
    waits at most the longest retry backoff between two attempts, each of which claims the
    packet afresh: past both, no task holds it. The broker's visibility timeout plays no part:
    a message held by a worker that was killed comes back only after it (an hour by default),
    and the sweep sends the packet again long before; should that message come back after
    all, the claim lets one task write the packet. ``REVIEW_TASK_LOST_SECONDS`` overrides it
    (the worker tests).
    """
    from .tasks import PACKET_TIME_LIMIT, RETRY_BACKOFF_MAX

    default = PACKET_TIME_LIMIT + RETRY_BACKOFF_MAX + LOST_GRACE_SECONDS
    return timedelta(seconds=getattr(settings, "REVIEW_TASK_LOST_SECONDS", None) or default)


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


def cycle_resume(*, cycle_id: int, now=None) -> int:
    """Send a stalled cycle's lost packets to the workers again; how many.

    A packet claimed by a task that was lost goes back to pending (should that task come back
    after all, the claim lets only one of the two write it). In a cycle where nothing moves,
    every unfinished packet is lost: once this commits, the cycle's task generates them all
    again, or, none being left, the cycle is finished. In a cycle that still moves (other
    workers are on its packets, whose messages are queued), only the lost packets are sent.
    """
    cutoff = (now or timezone.now()) - lost_after()
    with transaction.atomic():
        cycle = ReviewCycle.objects.select_for_update().get(pk=cycle_id)
        if cycle.status != CycleStatus.GENERATING:
            return 0
        stall = (
            ReviewCycle.objects.filter(pk=cycle_id)
            .annotate(**_stall_annotations(cutoff))
            .values("latest", "lost")
            .get()
        )
        quiet = stall["latest"] < cutoff
        if not quiet and not stall["lost"]:
            return 0
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
        logger.warning(
            "Review cycle %s stalled: sending %s packet(s) again.", cycle_id, len(resent)
        )
        if not quiet:
            for packet_id in lost:
                transaction.on_commit(partial(_enqueue_packet, packet_id), robust=True)
        elif unfinished:
            transaction.on_commit(lambda: _enqueue_cycle(cycle_id), robust=True)
        else:
            transaction.on_commit(lambda: cycle_finish(cycle_id=cycle_id), robust=True)
    return len(resent)


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


def packet_regenerate(*, packet: ReviewPacket, user) -> ReviewPacket:
    """A new version of a ready or failed packet, generated after commit; the old one stays."""
    if not (user is not None and user.has_perm("reviews.regenerate_reviewpacket")):
        raise PermissionDenied("Only leadership may regenerate a review packet.")
    with transaction.atomic():
        # The cycle lock orders concurrent regenerations: each sees the last version number.
        cycle = ReviewCycle.objects.select_for_update().get(pk=packet.cycle_id)
        packet = ReviewPacket.objects.get(pk=packet.pk)
        latest = (
            ReviewPacket.objects.filter(cycle=cycle, scope=packet.scope, scope_id=packet.scope_id)
            .order_by("-version")
            .first()
        )
        if latest.pk != packet.pk:
            raise TransitionNotAllowed(
                f"Version {latest.version} of this packet already exists: regenerate that one."
            )
        if packet.status not in FINISHED_STATES:
            raise TransitionNotAllowed("This packet is still being generated.")
        new = ReviewPacket.objects.create(
            cycle=cycle,
            scope=packet.scope,
            scope_id=packet.scope_id,
            scope_label=packet.scope_label,
            version=packet.version + 1,
        )
        cycle.status = CycleStatus.GENERATING
        cycle.completed_at = None
        _save(cycle, user=user, reason=f"Regenerating {packet} as version {new.version}.")
        transaction.on_commit(lambda: _enqueue_packet(new.pk), robust=True)
    return new


def _enqueue_packet(packet_id: int) -> None:
    """Send one packet to the workers, after commit; as ``_enqueue_cycle``, a broker that is
    down is logged and the sweep sends the packet later."""
    from . import tasks

    try:
        tasks.generate_one(packet_id)
    except BROKER_ERRORS:
        logger.warning(
            "Review packet %s: the broker refused it; the stalled-cycle sweep sends it again.",
            packet_id,
            exc_info=True,
        )


# --- sign-offs --------------------------------------------------------------------------------


def can_sign_off(user, role: str) -> bool:
    return role in SIGNOFF_PERMISSIONS and user.has_perm(SIGNOFF_PERMISSIONS[role])


def signoff_roles_for(user) -> list[str]:
    return [role.value for role in SignOffRole if can_sign_off(user, role.value)]


def packet_signoff(*, packet: ReviewPacket, user, role: str, comment: str = "") -> ReviewSignOff:
    """Record one role's sign-off on a ready, current packet; once per role."""
    if role not in SIGNOFF_PERMISSIONS:
        choices = ", ".join(SIGNOFF_PERMISSIONS)
        raise ValidationError({"role": f"Choose one of: {choices}."})
    label = SignOffRole(role).label.lower()
    if not can_sign_off(user, role):
        raise PermissionDenied(f"You may not sign off review packets for {label}.")
    with transaction.atomic():
        locked = ReviewPacket.objects.select_for_update().get(pk=packet.pk)
        if locked.status != PacketStatus.READY:
            raise TransitionNotAllowed("Only a ready packet can be signed off.")
        if selectors.packets_with_currency(ReviewPacket.objects.filter(pk=locked.pk)).filter(
            is_current=False
        ):
            raise TransitionNotAllowed(
                "A newer version of this packet exists: sign that one off instead."
            )
        existing = (
            ReviewSignOff.objects.filter(packet=locked, role=role).select_related("user").first()
        )
        if existing is not None:
            raise TransitionNotAllowed(
                f"{SignOffRole(role).label} already signed off this packet "
                f"({existing.user.get_username()}, {existing.signed_at:%Y-%m-%d})."
            )
        signoff = ReviewSignOff(packet=locked, role=role, user=user, comment=comment or "")
        _save(signoff, user=user, reason=f"Signed off for {label}.")
    return signoff


def previous_year(today: date | None = None) -> int:
    return (today or timezone.localdate()).year - 1
