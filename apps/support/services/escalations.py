"""Escalation levels placed on the clocks, fired once each, and the pages they open closed again.

``escalations_plan`` runs after every recomputation of a ticket's clocks: each running clock
gets one ``Escalation`` row per level of its policy, with the instant the level falls due in
the clock's calendar, and the clock's ``next_at`` becomes the earliest of its unfired levels and
its due. ``escalations_fire_due`` (from the minute's evaluation) claims the rows whose instant
has passed with ``SELECT … FOR UPDATE SKIP LOCKED`` and, in the same transaction, marks them
fired and writes their deliveries: two overlapping evaluations take different rows, and one that
dies rolls back and leaves its rows to the next. A clock that stops closes the pages it opened
(PagerDuty ``resolve``, Opsgenie close), once per channel by the delivery's dedup key.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from apps.calendars.business_time import ALWAYS_OPEN, BusinessCalendar, is_open, next_opening
from apps.catalog.choices import SupportPriority
from apps.core.bulk import rows_update
from apps.notifications.choices import PAGING_KINDS, ChannelKind, DeliveryAction
from apps.notifications.models import NotificationChannel, NotificationDelivery
from apps.notifications.services import deliveries_queue

from ..choices import ClockState
from ..escalation import earliest, level_at
from ..escalation_models import Escalation, EscalationLevel, EscalationPolicy
from ..helpdesks.models import HelpdeskSource
from ..helpdesks.writeback import WriteBackImpossible, reassignment_delivery
from ..inputs import clock_calendar
from ..models import Ticket, TicketClock

logger = logging.getLogger(__name__)

# Priorities whose tickets also page engineering when the service's error budget is spent.
ENGINEERING_PRIORITIES = frozenset({SupportPriority.P1, SupportPriority.P2})
FIRE_BATCH = 500
# A clock in these states may still reach a level: running towards its due, or past it.
_LIVE_STATES = (ClockState.RUNNING, ClockState.BREACHED)


def alert_key(clock_id: int) -> str:
    """The PagerDuty dedup_key and Opsgenie alias of a clock's pages."""
    return f"covenant-clock-{clock_id}"


def policies_for(tickets) -> dict[int, EscalationPolicy]:
    """Each ticket's policy (ticket id → policy): its contract's for the service, else the
    service's own; tickets without one are left out."""
    tickets = list(tickets)
    service_ids = {t.service_id for t in tickets}
    if not service_ids:
        return {}
    policies = list(
        EscalationPolicy.objects.filter(service_id__in=service_ids, active=True).prefetch_related(
            "levels__channels"
        )
    )
    by_key = {(p.service_id, p.contract_id): p for p in policies}
    chosen = {}
    for ticket in tickets:
        policy = by_key.get((ticket.service_id, ticket.contract_id)) or by_key.get(
            (ticket.service_id, None)
        )
        if policy is not None:
            chosen[ticket.pk] = policy
    return chosen


def _is_live(clock: TicketClock) -> bool:
    return clock.state in _LIVE_STATES and clock.stopped_at is None and clock.due_at is not None


def escalations_plan(
    *,
    tickets: list[Ticket],
    calendars: dict[tuple[int, int], BusinessCalendar] | None = None,
) -> None:
    """Place the levels of each ticket's policy on its clocks and move each clock's next instant
    to the earliest of its unfired levels and its due; close the pages of clocks that stopped.

    ``calendars`` maps (ticket id, indicator id) to the calendar the clock ran on.
    """
    if not tickets:
        return
    calendars = calendars or {}
    policies = policies_for(tickets)
    if not policies:
        return
    clocks = list(TicketClock.objects.filter(ticket_id__in=list(policies)))
    existing = {
        (e.clock_id, e.level_id): e
        for e in Escalation.objects.filter(clock__in=clocks).only(
            "id", "clock_id", "level_id", "position", "at", "fired_at"
        )
    }
    new_rows, moved, next_changed, stopped = [], [], [], []
    for clock in clocks:
        policy = policies[clock.ticket_id]
        live = _is_live(clock)
        calendar = calendars.get((clock.ticket_id, clock.indicator_id), ALWAYS_OPEN)
        pending = []
        for level in policy.levels.all():
            if not level.applies_to(clock.metric):
                continue
            at = None
            if live:
                at = level_at(
                    calendar=calendar,
                    due_at=clock.due_at,
                    started_at=clock.started_at,
                    target_seconds=clock.target_seconds,
                    percent=level.percent,
                    offset_minutes=level.offset_minutes,
                    outside_hours=level.fire_outside_hours,
                )
            row = existing.get((clock.pk, level.pk))
            if row is None:
                row = Escalation(clock=clock, level=level, position=level.position, at=at)
                new_rows.append(row)
            elif row.fired_at is None and row.at != at:
                row.at = at
                moved.append(row)
            if row.fired_at is None and row.at is not None:
                pending.append(row.at)
        due = clock.due_at if clock.state == ClockState.RUNNING else None
        next_at = earliest([due, *pending])
        if next_at != clock.next_at:
            clock.next_at = next_at
            next_changed.append(clock)
        if not live:
            stopped.append(clock.pk)
    Escalation.objects.bulk_create(new_rows, ignore_conflicts=True)
    Escalation.objects.bulk_update(moved, ["at"])
    TicketClock.objects.bulk_update(next_changed, ["next_at"])
    if stopped:
        pages_resolve(clock_ids=stopped)


def pages_resolve(*, clock_ids: list[int]) -> int:
    """Close the pages these clocks opened: one resolve per (clock, paging channel)."""
    triggers = (
        NotificationDelivery.objects.filter(
            escalation__clock_id__in=clock_ids, action=DeliveryAction.TRIGGER
        )
        .exclude(channel__isnull=True)
        .select_related("channel")
        .values_list("alert_key", "channel_id", "kind", "target", "cause_id")
        .distinct()
    )
    resolves = {}
    for key, channel_id, kind, target, escalation_id in triggers:
        dedup = f"{key}:resolve:{channel_id}"
        resolves[dedup] = NotificationDelivery(
            cause_type_id=_escalation_type_id(),
            cause_id=escalation_id,
            channel_id=channel_id,
            kind=kind,
            action=DeliveryAction.RESOLVE,
            target=target,
            role="team channel",
            dedup_key=dedup,
            alert_key=key,
            subject=f"Resolved: {key}",
            text="The clock stopped.",
        )
    return len(deliveries_queue(deliveries=list(resolves.values())))


def _escalation_type_id() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Escalation).pk


# --- firing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reassignment:
    """A fired level's reassignment, for the caller to write into the ticket's log."""

    ticket: Ticket
    group: str
    escalation_id: int


def escalations_fire_due(
    *, now: datetime | None = None, batch: int = FIRE_BATCH
) -> tuple[list[int], list[Reassignment]]:
    """Fire every level whose instant has passed, once; returns the ids of the clocks touched
    and the reassignments the fired levels ask for."""
    now = now or timezone.now()
    touched: list[int] = []
    reassignments: list[Reassignment] = []
    # Most minutes nothing is due: one probe of the pending-levels index, no transaction.
    if not Escalation.objects.filter(fired_at__isnull=True, at__lte=now).exists():
        return touched, reassignments
    while True:
        with transaction.atomic():
            rows = _claim(now, batch)
            if not rows:
                break
            waiting = {row.pk for row in _wait_for_hours(rows, now)}
            reassignments.extend(_fire([row for row in rows if row.pk not in waiting], now))
            touched.extend({row.clock_id for row in rows})
        if len(rows) < batch:
            break
    return touched, reassignments


def _claim(now: datetime, batch: int) -> list[Escalation]:
    due = Escalation.objects.filter(fired_at__isnull=True, at__lte=now).order_by("at", "id")
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True, of=("self",))
    return list(
        due.select_related(
            "clock__ticket__service",
            "clock__ticket__contract__support_calendar",
            "clock__indicator__calendar",
            "level__policy",
        ).prefetch_related("level__channels")[:batch]
    )


def _wait_for_hours(rows: list[Escalation], now: datetime) -> list[Escalation]:
    """The claimed levels that may not fire now, their clock's calendar being closed (found
    overdue after hours, say): each moved to the calendar's next opening, where it fires."""
    calendars: dict = {}
    years = (now.year - 1, now.year, now.year + 1)
    waiting = []
    for row in rows:
        if row.level.fire_outside_hours:
            continue
        calendar = clock_calendar(
            ticket=row.clock.ticket, indicator=row.clock.indicator, years=years, calendars=calendars
        )
        if not is_open(calendar, now):
            row.at = next_opening(calendar, now)
            waiting.append(row)
    Escalation.objects.bulk_update(waiting, ["at"])
    return waiting


def _fire(rows: list[Escalation], now: datetime) -> list[Reassignment]:
    assignees = _assignee_emails(
        {row.clock.ticket.assignee for row in rows if row.level.notify_assignee}
    )
    exhausted = _exhausted_services(rows, now)
    team_pages = _team_paging_channels({s for s in exhausted})
    sources = _write_back_sources(rows)
    deliveries = []
    reassign = []
    for row in rows:
        clock, level, ticket = row.clock, row.level, row.clock.ticket
        notice = _notice(row)
        actions = {
            "notified": [],
            "channels": [],
            "reassigned_to": None,
            "paged_engineering": False,
        }
        recipients = []
        if level.notify_assignee and assignees.get(ticket.assignee):
            recipients.append((ChannelKind.EMAIL, assignees[ticket.assignee], "assignee", None))
        if level.notify_team_lead and level.policy.lead_email:
            recipients.append((ChannelKind.EMAIL, level.policy.lead_email, "team lead", None))
        for channel in level.channels.all():
            if channel.active:
                recipients.append((channel.kind, channel.address, "escalation channel", channel))
        if ticket.priority in ENGINEERING_PRIORITIES and ticket.service_id in exhausted:
            actions["paged_engineering"] = True
            for channel in team_pages.get(ticket.service.team_id, []):
                recipients.append((channel.kind, channel.address, "engineering", channel))
        seen = set()
        for kind, target, role, channel in recipients:
            # A channel is one recipient (two PagerDuty services share one enqueue URL); an
            # address is one recipient however many roles it holds.
            recipient = f"channel-{channel.pk}" if channel else f"{kind}:{target}"
            if recipient in seen:
                continue
            seen.add(recipient)
            paging = kind in PAGING_KINDS
            deliveries.append(
                NotificationDelivery(
                    cause=row,
                    channel=channel,
                    kind=kind,
                    action=DeliveryAction.TRIGGER if paging else DeliveryAction.NOTIFY,
                    target=target,
                    role=role,
                    dedup_key=f"escalation-{row.pk}:{recipient}",
                    alert_key=alert_key(clock.pk) if paging else "",
                    subject=notice["subject"],
                    text=notice["text"],
                    payload={**notice["payload"], "severity": _severity(ticket.priority)},
                )
            )
            if channel is None:
                actions["notified"].append(f"{role}: {target}")
            else:
                actions["channels"].append(channel.pk)
        if level.reassign_to:
            actions["reassigned_to"] = level.reassign_to
            reassign.append(Reassignment(ticket, level.reassign_to, row.pk))
            source = sources.get(ticket.source)
            if source is not None:
                try:
                    deliveries.append(
                        reassignment_delivery(
                            source=source,
                            external_id=ticket.external_id,
                            group=level.reassign_to,
                            cause=row,
                            dedup_key=f"escalation-{row.pk}:helpdesk",
                        )
                    )
                    actions["written_back_to"] = source.slug
                except WriteBackImpossible as error:
                    actions["write_back_refused"] = str(error)
        row.fired_at = now
        row.actions = actions
    # One UPDATE … FROM (VALUES …): bulk_update's CASE per row and field cost most of a batch.
    rows_update(Escalation, rows, ["fired_at", "actions"])
    deliveries_queue(deliveries=deliveries)
    logger.info("Fired %s escalation levels with %s notices.", len(rows), len(deliveries))
    return reassign


def _severity(priority: str) -> str:
    return {"P1": "critical", "P2": "error", "P3": "warning"}.get(priority, "info")


def _notice(row: Escalation) -> dict:
    clock, ticket = row.clock, row.clock.ticket
    where = (
        "past its due" if clock.due_at and row.at and row.at > clock.due_at else "before its due"
    )
    subject = (
        f"{ticket.priority} {clock.get_metric_display().lower()} escalation level {row.position}: "
        f"{ticket.source}:{ticket.external_id} {ticket.subject}"
    )[:300]
    text = (
        f"Ticket {ticket.source}:{ticket.external_id} ({ticket.subject or 'no subject'}) on "
        f"{ticket.service.name} reached level {row.position} of “{row.level.policy.name}” "
        f"{where}. Its {clock.get_metric_display().lower()} clock is due at "
        f"{clock.due_at:%Y-%m-%d %H:%M} UTC."
    )
    payload = {
        "type": "ticket.escalated",
        "source": "covenant",
        "ticket": {"id": ticket.pk, "source": ticket.source, "external_id": ticket.external_id},
        "clock": {"id": clock.pk, "metric": clock.metric, "due_at": clock.due_at.isoformat()},
        "level": row.position,
        "opsgenie_priority": ticket.priority if ticket.priority != "P4" else "P4",
    }
    return {"subject": subject, "text": text, "payload": payload}


def _assignee_emails(assignees: set[str]) -> dict[str, str]:
    """Each assignee's address: the assignee itself when it is one, else the user's of that
    username."""
    assignees = {a for a in assignees if a}
    found = {a: a for a in assignees if "@" in a}
    names = assignees - set(found)
    if names:
        for username, email in (
            get_user_model()
            .objects.filter(username__in=names, is_active=True)
            .exclude(email="")
            .values_list("username", "email")
        ):
            found[username] = email
    return found


def _exhausted_services(rows: list[Escalation], now: datetime) -> set[int]:
    """The services of high-priority tickets among these whose error budget is spent."""
    from apps.measurements.gate import release_gate

    services = {
        row.clock.ticket.service_id: row.clock.ticket.service
        for row in rows
        if row.clock.ticket.priority in ENGINEERING_PRIORITIES
    }
    return {pk for pk, service in services.items() if release_gate(service, at=now).exhausted}


def _write_back_sources(rows: list[Escalation]) -> dict[str, HelpdeskSource]:
    """The helpdesk sources (by slug) that reassignments among these levels are written to."""
    slugs = {row.clock.ticket.source for row in rows if row.level.reassign_to}
    if not slugs:
        return {}
    return {
        source.slug: source
        for source in HelpdeskSource.objects.filter(slug__in=slugs, active=True).exclude(api_url="")
    }


def _team_paging_channels(service_ids: set[int]) -> dict[int, list[NotificationChannel]]:
    if not service_ids:
        return {}
    by_team = defaultdict(list)
    for channel in NotificationChannel.objects.filter(
        team__services__in=service_ids, active=True, kind__in=PAGING_KINDS
    ).distinct():
        by_team[channel.team_id].append(channel)
    return by_team


# --- after firing --------------------------------------------------------------------------


def clocks_next_move(*, clock_ids: list[int] | None = None, now: datetime) -> None:
    """Move on the next instant of clocks whose instant passed: to their earliest unfired
    level, or their due while they run towards it, or nothing."""
    stale = TicketClock.objects.filter(Q(next_at__lte=now) | Q(next_at__isnull=True))
    if clock_ids is not None:
        stale = stale.filter(pk__in=clock_ids)
    stale = stale.filter(
        escalations__fired_at__isnull=True, escalations__at__isnull=False
    ).annotate(first_level=Min("escalations__at", filter=Q(escalations__fired_at__isnull=True)))
    changed = []
    for clock in stale:
        due = clock.due_at if clock.state == ClockState.RUNNING and clock.due_at > now else None
        next_at = earliest([due, clock.first_level])
        if next_at != clock.next_at:
            clock.next_at = next_at
            changed.append(clock)
    TicketClock.objects.bulk_update(changed, ["next_at"])


def levels_of(clock: TicketClock) -> list[dict]:
    return [
        {"level": e.position, "at": e.at, "fired_at": e.fired_at}
        for e in sorted(clock.escalations.all(), key=lambda e: e.position)
    ]


__all__ = [
    "ENGINEERING_PRIORITIES",
    "EscalationLevel",
    "alert_key",
    "clocks_next_move",
    "escalations_fire_due",
    "escalations_plan",
    "levels_of",
    "pages_resolve",
    "policies_for",
]
