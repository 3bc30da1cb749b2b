"""The user-facing writes of the annual review: opening a cycle, regenerating a packet,
signing packets off.

Opening a cycle creates one pending packet per service and per customer with binding contracts
and, once the transaction commits, hands their ids to Celery (tasks.py). What the tasks do on
the workers (claim, build, write and fail packets, finish a cycle) is ``generation.py``.
"""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.catalog.models import Service
from apps.core.errors import TransitionNotAllowed
from apps.core.validators import TEXT_MAX_LENGTH

from . import selectors, tasks
from .choices import (
    FINISHED_STATES,
    SIGNOFF_PERMISSIONS,
    CycleStatus,
    PacketScope,
    PacketStatus,
    SignOffRole,
)
from .generation import save_with_history
from .models import ReviewCycle, ReviewPacket, ReviewSignOff

logger = logging.getLogger(__name__)

FIRST_YEAR = 2000


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
                save_with_history(cycle, user=user, reason="Review cycle opened.")
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
        # After commit: a broker that is down then loses nothing and fails nothing the user did
        # (``tasks.send_cycle``).
        transaction.on_commit(lambda: tasks.send_cycle(cycle.pk), robust=True)
    return cycle


# --- packets ----------------------------------------------------------------------------------


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
        reason = f"Regenerating {packet} as version {new.version}."
        save_with_history(cycle, user=user, reason=reason)
        transaction.on_commit(lambda: tasks.send_packet(new.pk), robust=True)
    return new


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
    comment = (comment or "").strip()
    if len(comment) > TEXT_MAX_LENGTH:
        raise ValidationError(
            {"comment": f"Keep the comment to {TEXT_MAX_LENGTH:,} characters ({len(comment):,})."}
        )
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
        signoff = ReviewSignOff(packet=locked, role=role, user=user, comment=comment)
        save_with_history(signoff, user=user, reason=f"Signed off for {label}.")
    return signoff


def previous_year(today: date | None = None) -> int:
    return (today or timezone.localdate()).year - 1
