"""What contracts does when an SLO or a buffer policy changes (connected in ContractsConfig)."""

from . import services


def refresh_verdicts_after_slo_save(sender, *, slo, before, **kwargs) -> None:
    services.commitments_refresh_alignment(service_id=slo.indicator.service_id)


def void_signoffs_of_old_slo_version(sender, *, slo, changed, user, **kwargs) -> None:
    services.signoffs_void_for_slo(
        slo=slo, reason=f"SLO changed ({', '.join(changed)}).", user=user
    )


def refresh_verdicts_after_policy_save(sender, *, policy, **kwargs) -> None:
    services.commitments_refresh_alignment(service_id=policy.service_id)
