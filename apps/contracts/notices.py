"""Governance notices: who hears of a contract's transitions and of an expiring waiver, and what
they read, by email to people and on the teams' notification channels.

Each builder names its transition in a key and chooses the recipients; ``_deliveries`` makes one
unsaved delivery per recipient, whose dedup key is the transition's key and the recipient. The
services build them inside the transition's transaction and queue them with it
(``deliveries_queue``), so a notice exists exactly when its transition committed and each
recipient hears of each transition once.

Legal and leadership are no engineering team, but each may keep channels on a team of its own,
named by ``LEGAL_NOTICE_TEAM`` and ``LEADERSHIP_NOTICE_TEAM``; without such a team, email only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, Model, OuterRef
from django.urls import reverse

from apps.catalog.models import Team
from apps.core import formatting
from apps.core.roles import ENGINEERING, LEADERSHIP, LEGAL
from apps.notifications.choices import PAGING_KINDS, ChannelKind
from apps.notifications.models import NotificationChannel, NotificationDelivery

from .choices import TERMINAL_STATES
from .models import Contract, SignOff, Waiver

# (address, why this person hears it) and (channel, why this channel hears it).
People = list[tuple[str, str]]
Channels = list[tuple[NotificationChannel, str]]


@dataclass(frozen=True)
class Notice:
    key: str  # names the transition; each recipient's dedup key extends it
    type: str  # what a machine receiver is told happened: "contract.signed"
    subject: str
    text: str
    link: str
    cause: Model
    details: dict = field(default_factory=dict)


def _deliveries(notice: Notice, people: People, channels: Channels) -> list[NotificationDelivery]:
    """One delivery of the notice per address and per channel, whatever role names them twice.

    Governance notices are news, not pages: paging channels never receive them.
    """
    recipients = {}
    for email, role in people:
        recipients.setdefault(f"email:{email}", (ChannelKind.EMAIL, email, None, role))
    for channel, role in channels:
        if channel.kind in PAGING_KINDS:
            continue
        if channel.kind == ChannelKind.EMAIL and f"email:{channel.target}" in recipients:
            continue  # a team address that is also a person's: one email is enough
        recipients.setdefault(
            f"channel-{channel.pk}", (channel.kind, channel.address, channel, role)
        )
    subject = " ".join(notice.subject.split())[:300]
    payload = {"type": notice.type, "subject": subject, "link": notice.link, **notice.details}
    return [
        NotificationDelivery(
            cause=notice.cause,
            kind=kind,
            target=target,
            channel=channel,
            role=role[:30],
            dedup_key=f"{notice.key}:{recipient}",
            subject=subject,
            text=notice.text,
            payload=payload,
        )
        for recipient, (kind, target, channel, role) in recipients.items()
    ]


# --- recipients --------------------------------------------------------------------------


def _person(user, role: str) -> People:
    return [(user.email, role)] if user is not None and user.is_active and user.email else []


def _members(role: str, **filters) -> People:
    """The active users the filters select, with an address, once each."""
    users = get_user_model().objects.filter(is_active=True, **filters).exclude(email="")
    return [(email, role) for email in users.values_list("email", flat=True).distinct()]


def _owning_teams(contract: Contract) -> dict[int, str]:
    """The teams owning a service the contract commits on, each with its recipients' role."""
    team_ids = contract.commitments.values_list("indicator__service__team_id", flat=True)
    teams = Team.objects.filter(pk__in=team_ids).values_list("pk", "name")
    return {pk: f"engineering: {name}" for pk, name in teams}


def _named_team(setting: str, role: str) -> dict[int, str]:
    name = getattr(settings, setting, "")
    return dict.fromkeys(Team.objects.filter(name=name).values_list("pk", flat=True), role)


def _engineers(teams: dict[int, str]) -> People:
    """The engineers of the teams, each under their (first) team's role."""
    rows = (
        get_user_model()
        .objects.filter(teams__in=teams, groups__name=ENGINEERING, is_active=True)
        .exclude(email="")
        .values_list("email", "teams")
        .distinct()
    )
    return [(email, teams[team_id]) for email, team_id in rows if team_id in teams]


def _channels(teams: dict[int, str]) -> Channels:
    channels = NotificationChannel.objects.filter(team_id__in=teams, active=True)
    return [(channel, teams[channel.team_id]) for channel in channels]


def _legal(contract: Contract) -> People:
    """The contract's legal reviewer when it names one, else everyone in legal."""
    if contract.legal_reviewer_id:
        return _members("legal", pk=contract.legal_reviewer_id)
    return _members("legal", groups__name=LEGAL)


def _page(contract: Contract) -> str:
    return reverse("contracts:detail", args=[contract.pk])


def _reference(contract: Contract) -> dict:
    """How a machine receiver's JSON names the contract."""
    return {
        "contract": {
            "id": contract.pk,
            "number": contract.number,
            "revision": contract.revision,
            "customer": str(contract.customer),
        }
    }


def _contract_notice(
    contract: Contract,
    event: str,
    transition: str,
    *,
    subject: str,
    text: str,
    link: str,
    **details,
) -> Notice:
    """A notice of a contract's transition: keyed by the contract, the event and what names the
    transition (its instant, its sign-off), typed "contract.<event>", naming the contract."""
    return Notice(
        key=f"contract-{contract.pk}-{event}-{transition}",
        type=f"contract.{event}",
        subject=subject,
        text=text,
        link=link,
        cause=contract,
        details={**_reference(contract), **details},
    )


# --- the notices -------------------------------------------------------------------------


def submission_notices(contract: Contract) -> list[NotificationDelivery]:
    """A submitted contract awaits the engineers of every team owning a service it commits on:
    each of them by email, and each team's channels ("awaiting my team")."""
    teams = _owning_teams(contract)
    if not teams:
        return []
    subject = f"Awaiting your team's sign-off: {contract} for {contract.customer}"
    # Engineers decide lines in the admin, where the contract lists them.
    link = reverse("admin:contracts_contract_change", args=[contract.pk])
    notice = _contract_notice(
        contract,
        "submitted",
        contract.submitted_at.isoformat(),
        subject=subject,
        text=f"{subject}.\n\nReview its lines: {link}\n",
        link=link,
    )
    return _deliveries(notice, _engineers(teams), _channels(teams))


def rejection_notices(signoff: SignOff) -> list[NotificationDelivery]:
    """A rejected line sends the contract back to its owner, with the engineer's reason."""
    line = signoff.commitment
    contract = line.contract
    link = _page(contract)
    notice = _contract_notice(
        contract,
        "rejected",
        f"signoff-{signoff.pk}",
        subject=f"Changes requested: {contract} for {contract.customer}",
        text=(
            f"{signoff.decided_by} rejected the line “{line}” of {contract} for "
            f"{contract.customer}:\n\n{signoff.comment}\n\n"
            f"Change the contract and submit it again: {link}\n"
        ),
        link=link,
        commitment=line.pk,
        comment=signoff.comment,
    )
    return _deliveries(notice, _person(contract.owner, "sales owner"), [])


def lines_approved_notices(contract: Contract, *, transition: str) -> list[NotificationDelivery]:
    """Engineering has approved every line: legal approves next, or signs once it has.

    ``transition`` names what completed engineering's part (the last approval, a submission).
    """
    link = _page(contract)
    if contract.legal_approved_at:
        subject = f"Ready for signature: {contract} for {contract.customer}"
        news = "Engineering has approved every line and legal this revision: it may be signed."
    else:
        subject = f"Ready for legal: {contract} for {contract.customer}"
        news = "Engineering has approved every line: legal's approval is next."
    notice = _contract_notice(
        contract,
        "lines_approved",
        transition,
        subject=subject,
        text=f"{subject}.\n\n{news}\n\nThe contract: {link}\n",
        link=link,
    )
    return _deliveries(
        notice, _legal(contract), _channels(_named_team("LEGAL_NOTICE_TEAM", "legal"))
    )


def signature_notices(contract: Contract) -> list[NotificationDelivery]:
    """A signed contract binds its owner, the teams whose services it commits on, and leadership."""
    teams = _owning_teams(contract)
    leadership_team = _named_team("LEADERSHIP_NOTICE_TEAM", "leadership")
    link = _page(contract)
    subject = f"Signed: {contract} for {contract.customer}"
    notice = _contract_notice(
        contract,
        "signed",
        contract.signed_at.isoformat(),
        subject=subject,
        text=(
            f"{subject}: signed by {contract.signatory} on "
            f"{formatting.day(contract.signature_date)}. Its lines now bind the teams whose "
            f"services they are on.\n\nThe contract: {link}\n"
        ),
        link=link,
    )
    people = [
        *_person(contract.owner, "sales owner"),
        *_engineers(teams),
        *_members("leadership", groups__name=LEADERSHIP),
    ]
    return _deliveries(notice, people, _channels({**teams, **leadership_team}))


def expiring_waivers(on: date):
    """Waivers expiring within WAIVER_EXPIRY_NOTICE_DAYS of ``on`` (included) on a contract still
    in force or under way, that no later waiver of the same line outlives."""
    outlived = Waiver.objects.filter(
        commitment=OuterRef("commitment"), expires_on__gt=OuterRef("expires_on")
    )
    return (
        Waiver.objects.filter(
            expires_on__gte=on,
            expires_on__lte=on + timedelta(days=settings.WAIVER_EXPIRY_NOTICE_DAYS),
        )
        .exclude(commitment__contract__status__in=TERMINAL_STATES)
        .filter(~Exists(outlived))
        .select_related(
            "granted_by",
            "commitment__indicator",
            "commitment__contract__owner",
            "commitment__contract__customer",
        )
        .order_by("expires_on", "pk")
    )


def waiver_expiry_notices(on: date) -> list[NotificationDelivery]:
    """Each expiring waiver tells its grantor and the contract's owner, once per expiry date: a
    waiver extended to a later date is announced again when that one nears."""
    deliveries = []
    for waiver in expiring_waivers(on):
        line = waiver.commitment
        contract = line.contract
        expires = formatting.day(waiver.expires_on)
        link = _page(contract)
        notice = Notice(
            key=f"waiver-{waiver.pk}-expires-{expires}",
            type="waiver.expiring",
            subject=f"Waiver expiring on {expires}: {contract} for {contract.customer}",
            text=(
                f"The waiver {waiver.granted_by} granted for the line “{line}” of {contract} "
                f"for {contract.customer} holds until the end of {expires}. After that the line "
                f"needs a new waiver, or a target its SLO supports.\n\n"
                f"Justification: {waiver.justification}\n\nThe contract: {link}\n"
            ),
            link=link,
            cause=waiver,
            details={
                **_reference(contract),
                "commitment": line.pk,
                "waiver": {"id": waiver.pk, "expires_on": expires},
            },
        )
        people = [
            *_person(waiver.granted_by, "waiver grantor"),
            *_person(contract.owner, "sales owner"),
        ]
        deliveries.extend(_deliveries(notice, people, []))
    return deliveries
