from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "apps.contracts"
    label = "contracts"
    verbose_name = "Contracts and SLAs"

    def ready(self):
        from apps.slos import signals

        from . import receivers

        # Connected before drift's (INSTALLED_APPS order): verdicts are fresh when drift looks.
        signals.slo_saved.connect(receivers.refresh_verdicts_after_slo_save)
        signals.slo_versioned.connect(receivers.void_signoffs_of_old_slo_version)
        signals.buffer_policy_saved.connect(receivers.refresh_verdicts_after_policy_save)
