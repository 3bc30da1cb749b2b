"""Governance notices: who hears that a contract awaits them, on the notification channels.

Built inside the transition's transaction and queued with it (``deliveries_queue``), so a
notice exists exactly when its transition committed; the dedup key names the transition's
instant, so each submission is announced once per recipient.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.catalog.models import Team
from apps.core.roles import ENGINEERING
from apps.notifications.choices import PAGING_KINDS, ChannelKind
from apps.notifications.models import NotificationChannel, NotificationDelivery

from .models import Contract


def submission_notices(contract: Contract) -> list[NotificationDelivery]:
    """A submitted contract awaits the engineers of every team owning a service it commits on:
    each of them by email, and each team's non-paging channels ("awaiting my team")."""
    team_ids = set(
        contract.commitments.values_list("indicator__service__team_id", flat=True).distinct()
    )
    if not team_ids:
        return []
    teams = {team.pk: team.name for team in Team.objects.filter(pk__in=team_ids)}
    subject = f"Awaiting your team's sign-off: {contract} for {contract.customer}"[:300]
    link = reverse("admin:contracts_contract_change", args=[contract.pk])
    key = f"contract-{contract.pk}-submitted-{contract.submitted_at.isoformat()}"
    deliveries = {}
    engineers = (
        get_user_model()
        .objects.filter(teams__in=team_ids, groups__name=ENGINEERING, is_active=True)
        .exclude(email="")
        .values_list("email", "teams")
        .distinct()
    )
    for email, team_id in engineers:
        if team_id in team_ids:
            deliveries.setdefault(
                f"{key}:email:{email}",
                _notice(key, ChannelKind.EMAIL, email, None, subject, teams[team_id], link),
            )
    channels = NotificationChannel.objects.filter(team_id__in=team_ids, active=True).exclude(
        kind__in=PAGING_KINDS
    )
    for channel in channels:
        dedup = f"{key}:channel-{channel.pk}"
        deliveries[dedup] = _notice(
            key, channel.kind, channel.address, channel, subject, teams[channel.team_id], link
        )
    return list(deliveries.values())


def _notice(key, kind, target, channel, subject, team_name, link) -> NotificationDelivery:
    recipient = f"channel-{channel.pk}" if channel else f"email:{target}"
    return NotificationDelivery(
        kind=kind,
        target=target,
        channel=channel,
        role=f"engineering: {team_name}"[:30],
        dedup_key=f"{key}:{recipient}",
        subject=subject,
        text=f"{subject}.\n\nReview its lines: {link}\n",
        payload={"type": "contract.submitted", "subject": subject, "link": link},
    )
