from django.apps import AppConfig


class DriftConfig(AppConfig):
    name = "apps.drift"
    label = "drift"
    verbose_name = "Drift and notifications"

    def ready(self):
        from apps.slos import signals

        from . import receivers

        signals.slo_saved.connect(receivers.flag_lines_after_slo_change)
