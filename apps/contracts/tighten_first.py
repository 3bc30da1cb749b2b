"""Tighten the SLO first: a line that raises the previous revision's target may be
approved only once the SLO already stands at the new target plus the policy's buffer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from apps.measurements.risk import LevelHistory, level_history
from apps.slos.alignment import fmt, required_slo_target

from .models import Commitment


@dataclass(frozen=True)
class TightenFirst:
    """A commitment that raises the target of the same indicator's line in the previous revision.

    The SLO must already stand at ``required`` (the new target plus the policy's buffer) before
    the raised SLA may be approved; no waiver overrides this.
    """

    previous_target: Decimal
    new_target: Decimal
    required: Decimal | None
    slo_target: Decimal | None
    history: LevelHistory | None

    @property
    def satisfied(self) -> bool:
        return (
            self.required is not None
            and self.slo_target is not None
            and self.slo_target >= self.required
        )

    def message(self) -> str:
        raise_text = (
            f"This line raises the target from {fmt(self.previous_target)} % to "
            f"{fmt(self.new_target)} %: tighten the SLO first."
        )
        if self.required is None:
            return f"{raise_text} Even a 100 % SLO cannot back it with the buffer policy."
        if self.slo_target is None:
            need = (
                f"There is no active SLO; the policy needs one at {fmt(self.required)} % or more."
            )
        else:
            need = (
                f"The policy needs the SLO at {fmt(self.required)} % or more; it is at "
                f"{fmt(self.slo_target)} %."
            )
        history = f" {self.history.sentence()}" if self.history else ""
        return f"{raise_text} {need}{history}"


def previous_target(commitment) -> Decimal | None:
    """The highest target on the same indicator in the contract's previous revision, if any."""
    previous_id = commitment.contract.previous_revision_id
    if previous_id is None:
        return None
    targets = Commitment.objects.filter(
        contract_id=previous_id, indicator_id=commitment.indicator_id
    ).values_list("target", flat=True)
    return max(targets, default=None)


def tighten_first(commitment, result, *, at: datetime | None = None) -> TightenFirst | None:
    """The tighten-the-SLO-first check of a line against its alignment result.

    None when the line raises nothing (new indicator, same or lower target, first revision).
    """
    before = previous_target(commitment)
    if before is None or Decimal(commitment.target) <= before:
        return None
    required = required_slo_target(commitment.target, result.policy)
    slo = result.slo
    history = level_history(slo, required, at=at) if slo is not None and required else None
    return TightenFirst(
        before,
        Decimal(commitment.target),
        required,
        None if slo is None else Decimal(slo.target),
        history,
    )
