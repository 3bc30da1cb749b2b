"""What drift does when an SLO changes (connected in DriftConfig)."""

from .services import drift_on_slo_change


def flag_lines_after_slo_change(sender, *, slo, before, **kwargs) -> None:
    if before is None:
        return
    drift_on_slo_change(
        slo=slo,
        previous_target=before["target"],
        previous_status=before["status"],
        previous_indicator_id=before["indicator_id"],
    )
