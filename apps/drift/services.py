"""Every write about drift: flagging signed commitments, notifying their owners, resolving.

A flag and its to-do list of deliveries commit together, in their own transaction, BEFORE
anything is sent; the sends are enqueued with ``transaction.on_commit``. A notification that
fails is retried and logged on its delivery row, and never takes the flag with it.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from apps.catalog.models import Indicator
from apps.contracts.choices import ContractStatus
from apps.contracts.models import Commitment, Waiver
from apps.core.errors import TransitionNotAllowed
from apps.core.roles import LEGAL
from apps.notifications.choices import PAGING_KINDS, ChannelKind
from apps.notifications.models import NotificationChannel, NotificationDelivery
from apps.notifications.services import deliveries_queue
from apps.slos import alignment
from apps.slos.models import SLO
from apps.slos.selectors import AlignmentBatch, AlignmentResult

from . import detectors, notifications
from .choices import DriftKind
from .models import DriftEvent

logger = logging.getLogger(__name__)

# What every detector loads with a line, so that flags and notices need no further queries.
LINE_RELATED = (
    "contract__customer",
    "contract__owner",
    "contract__legal_reviewer",
    "indicator__service",
)


@dataclass(frozen=True)
class Flag:
    """A drift found by a detector, not yet recorded."""

    commitment: Commitment
    kind: str
    event_key: str
    summary: str
    details: dict = field(default_factory=dict)

    @property
    def identity(self) -> tuple[int, str, str]:
        return (self.commitment.pk, self.kind, self.event_key)


def signed_lines():
    return Commitment.objects.filter(contract__status=ContractStatus.SIGNED).select_related(
        *LINE_RELATED
    )


# --- flagging ----------------------------------------------------------------------------


def drift_flag(*, flags: list[Flag]) -> list[DriftEvent]:
    """Record the flags not recorded yet and their deliveries; returns the new events.

    Re-running a detection finds the same events and records nothing: the unique constraint
    (commitment, kind, event_key) holds even against a concurrent run.
    """
    unique = {flag.identity: flag for flag in flags}
    if not unique:
        return []
    recorded = set(
        DriftEvent.objects.filter(
            commitment_id__in={key[0] for key in unique},
            kind__in={key[1] for key in unique},
        ).values_list("commitment_id", "kind", "event_key")
    )
    fresh = [flag for key, flag in unique.items() if key not in recorded]
    if not fresh:
        return []
    with transaction.atomic():
        # A concurrent run may record some of these between the read above and here:
        # _create_events keeps only what it created.
        events = _create_events(fresh)
        deliveries_queue(deliveries=_deliveries_for(events))
    for event in events:
        logger.warning(
            "Commitment %s DRIFTED (%s, %s): %s",
            event.commitment_id,
            event.kind,
            event.event_key,
            event.summary,
        )
    return events


def _create_events(flags: list[Flag]) -> list[DriftEvent]:
    rows = [
        DriftEvent(
            commitment=flag.commitment,
            kind=flag.kind,
            event_key=flag.event_key,
            summary=flag.summary,
            details=flag.details,
        )
        for flag in flags
    ]
    try:
        with transaction.atomic():
            return DriftEvent.objects.bulk_create(rows)
    except IntegrityError:
        # A concurrent detection recorded some of these first: keep only ours, one by one.
        created = []
        for row in rows:
            event, was_created = DriftEvent.objects.get_or_create(
                commitment=row.commitment,
                kind=row.kind,
                event_key=row.event_key,
                defaults={"summary": row.summary, "details": row.details},
            )
            if was_created:
                created.append(event)
        return created


def _deliveries_for(events: list[DriftEvent]) -> list[NotificationDelivery]:
    """One delivery per recipient of each event: sales owner, legal, the service's team."""
    lines = [event.commitment for event in events]
    team_ids = {line.indicator.service.team_id for line in lines}
    channels = defaultdict(list)
    # Drift is news for the team, not a page: paging channels are for clocks that run out.
    team_channels = NotificationChannel.objects.filter(team_id__in=team_ids, active=True).exclude(
        kind__in=PAGING_KINDS
    )
    for channel in team_channels:
        channels[channel.team_id].append(channel)
    legal_group = []
    if any(line.contract.legal_reviewer_id is None for line in lines):
        legal_group = list(
            get_user_model()
            .objects.filter(groups__name=LEGAL, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
            .distinct()
        )
    deliveries = []
    for event in events:
        team_channels = channels[event.commitment.indicator.service.team_id]
        deliveries.extend(_recipients(event, team_channels, legal_group))
    return deliveries


def _recipients(event: DriftEvent, team_channels, legal_group) -> list[NotificationDelivery]:
    contract = event.commitment.contract
    candidates = [(ChannelKind.EMAIL, contract.owner.email, "sales owner", None)]
    if contract.legal_reviewer_id:
        candidates.append((ChannelKind.EMAIL, contract.legal_reviewer.email, "legal", None))
    else:
        candidates.extend((ChannelKind.EMAIL, email, "legal", None) for email in legal_group)
    candidates.extend(
        (channel.kind, channel.target, "service team", channel) for channel in team_channels
    )
    notice = notifications.render_notice(event)
    payload = notifications.webhook_payload(event)
    # One notice per address even when the owner is also legal, or a team lists them again.
    recipients = {}
    for kind, target, role, channel in candidates:
        if target and (kind, target) not in recipients:
            recipients[(kind, target)] = NotificationDelivery(
                cause=event,
                kind=kind,
                target=target,
                role=role,
                channel=channel,
                dedup_key=f"drift-event-{event.pk}:{kind}:{target}",
                subject=notice.subject,
                text=notice.text,
                payload=payload if kind == ChannelKind.WEBHOOK else {},
            )
    return list(recipients.values())


# --- detectors ---------------------------------------------------------------------------


def _live_alignments(lines: list[Commitment]) -> dict[int, AlignmentResult]:
    """Each line's alignment against the active SLOs now, in a constant number of queries."""
    # The verdict on paper is what drifts; AT_RISK is the dashboards' business.
    batch = AlignmentBatch([line.indicator for line in lines], check_risk=False)
    return {line.pk: batch.evaluate(line.indicator, line.target) for line in lines}


def drift_on_slo_change(
    *,
    slo: SLO,
    previous_target: Decimal,
    previous_status: str,
    previous_indicator_id: int | None = None,
) -> list[DriftEvent]:
    """Flag the signed lines an SLO edit left without an ALIGNED backing.

    Called by ``SLO.save`` with the values it had before; does nothing (and reads nothing)
    unless the SLO was loosened, retired or moved away from its indicator.
    """
    moved = previous_indicator_id is not None and previous_indicator_id != slo.indicator_id
    kind = detectors.slo_change_kind(
        previous_status=previous_status,
        status=slo.status,
        previous_target=previous_target,
        target=slo.target,
        moved=moved,
    )
    if kind is None:
        return []
    scope = Indicator.objects.get(pk=previous_indicator_id) if moved else slo.indicator
    lines = list(
        signed_lines().filter(indicator__service_id=scope.service_id, indicator__kind=scope.kind)
    )
    results = _live_alignments(lines)
    name = slo.name or scope.name
    if kind == DriftKind.SLO_LOOSENED:
        change = (
            f"SLO “{name}” was loosened from {alignment.fmt(previous_target)} % "
            f"to {alignment.fmt(slo.target)} %"
        )
    else:
        change = f"SLO “{name}” ({alignment.fmt(previous_target)} %) no longer backs this line"
    flags = []
    for line in lines:
        result = results[line.pk]
        if not detectors.verdict_drifts(result.verdict):
            continue
        flags.append(
            Flag(
                commitment=line,
                kind=kind,
                event_key=detectors.slo_event_key(slo.pk, slo.version),
                summary=f"{change}: the signed SLA {alignment.fmt(line.target)} % is now "
                f"{result.verdict}.",
                details={
                    "slo": slo.pk,
                    "slo_version": slo.version,
                    "previous_target": str(previous_target),
                    "target": str(slo.target),
                    "previous_status": previous_status,
                    "status": slo.status,
                    "verdict": str(result.verdict),
                    "backing_slo": result.slo.pk if result.slo else None,
                    "reasons": list(result.alignment.reasons),
                },
            )
        )
    return drift_flag(flags=flags)


def drift_detect_expired_waivers(*, today: date | None = None) -> list[DriftEvent]:
    """Flag signed lines whose last waiver expired while they still need one.

    A line still covered by another unexpired waiver has not drifted; one event per expired
    waiver (the latest), so a waiver expiring is flagged once however often this runs.
    """
    today = today or timezone.localdate()
    expired = Waiver.objects.filter(commitment=OuterRef("pk"), expires_on__lt=today).order_by(
        "-expires_on", "-pk"
    )
    unexpired = Waiver.objects.filter(commitment=OuterRef("pk"), expires_on__gte=today)
    lines = list(
        signed_lines()
        .filter(Exists(expired))
        .exclude(Exists(unexpired))
        .annotate(
            expired_waiver_id=Subquery(expired.values("pk")[:1]),
            expired_on=Subquery(expired.values("expires_on")[:1]),
        )
    )
    results = _live_alignments(lines)
    flags = []
    for line in lines:
        result = results[line.pk]
        if result.verdict not in alignment.NEEDS_WAIVER:
            continue
        flags.append(
            Flag(
                commitment=line,
                kind=DriftKind.WAIVER_EXPIRED,
                event_key=detectors.waiver_event_key(line.expired_waiver_id),
                summary=f"The waiver for this {result.verdict} line expired on "
                f"{line.expired_on}; the signed SLA {alignment.fmt(line.target)} % is no "
                "longer covered.",
                details={
                    "waiver": line.expired_waiver_id,
                    "expired_on": str(line.expired_on),
                    "verdict": str(result.verdict),
                    "reasons": list(result.alignment.reasons),
                },
            )
        )
    return drift_flag(flags=flags)


def drift_detect_attainment(*, now: datetime | None = None) -> list[DriftEvent]:
    """Flag signed lines whose last full period (contract timezone) fell below the SLA target.

    One GROUP BY per (period, timezone) over the samples, whatever the number of lines.
    """
    from apps.measurements.selectors import period_totals

    now = now or timezone.now()
    groups = defaultdict(list)
    for line in signed_lines():
        groups[(line.period, line.contract.timezone)].append(line)
    flags = []
    for (period, tz), lines in groups.items():
        zone = zoneinfo.ZoneInfo(tz)
        start, end = detectors.last_full_period(period, now.astimezone(zone).date())
        totals = period_totals(
            sorted({line.indicator_id for line in lines}),
            period,
            datetime.combine(start, time.min, zone),
            datetime.combine(end, time.min, zone),
            tz,
        )
        for line in lines:
            contract = line.contract
            if not detectors.overlaps_contract(start, end, contract.start_date, contract.end_date):
                continue
            measured = {p.period_start: p for p in totals.get(line.indicator_id, [])}.get(start)
            if measured is None or not detectors.falls_short(measured.attainment, line.target):
                continue
            attained = measured.attainment.quantize(Decimal("0.0001"))
            flags.append(
                Flag(
                    commitment=line,
                    kind=DriftKind.ATTAINMENT_BELOW,
                    event_key=detectors.period_event_key(period, start),
                    summary=f"Measured attainment {alignment.fmt(attained)} % for the "
                    f"{period} starting {start} is below the signed SLA "
                    f"{alignment.fmt(line.target)} %.",
                    details={
                        "period": period,
                        "period_start": start.isoformat(),
                        "period_end": end.isoformat(),
                        "timezone": tz,
                        "attainment": str(attained),
                        "good": measured.good,
                        "total": measured.total,
                        "target": str(line.target),
                    },
                )
            )
    return drift_flag(flags=flags)


# --- resolution --------------------------------------------------------------------------


def drift_event_resolve(*, event: DriftEvent, user, note: str = "") -> DriftEvent:
    """A person says the drift is dealt with (SLO restored, contract amended, accepted)."""
    if not user.has_perm("drift.resolve_driftevent"):
        raise PermissionDenied("You may not resolve drift events.")
    with transaction.atomic():
        locked = DriftEvent.objects.select_for_update().get(pk=event.pk)
        if locked.resolved_at is not None:
            raise TransitionNotAllowed(
                f"This drift was already resolved on {locked.resolved_at:%Y-%m-%d %H:%M}."
            )
        locked.resolved_at = timezone.now()
        locked.resolved_by = user
        locked.resolution_note = (note or "").strip()
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    return locked
