"""Learning from breaches: the cause a support lead gives for a breached clock."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from apps.core.errors import TransitionNotAllowed

from ..escalation_models import BreachCause, BreachReview
from ..models import TicketClock


def breach_review_record(
    *, clock: TicketClock, cause: BreachCause, note: str = "", user
) -> BreachReview:
    """Record why ``clock`` breached: once per clock, by someone who may review breaches."""
    if not user.has_perm("support.add_breachreview"):
        raise PermissionDenied("You may not record breach causes.")
    if not cause.active:
        raise ValidationError({"cause": "This cause is no longer in use."})
    with transaction.atomic():
        locked = TicketClock.objects.select_for_update().get(pk=clock.pk)
        if not locked.breached:
            raise TransitionNotAllowed("Only a breached clock asks for a cause.")
        try:
            with transaction.atomic():
                return BreachReview.objects.create(
                    clock=locked, cause=cause, note=note.strip(), recorded_by=user
                )
        except IntegrityError as error:
            raise TransitionNotAllowed("This breach already has a cause.") from error
