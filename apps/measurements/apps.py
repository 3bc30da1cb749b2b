from django.apps import AppConfig


class MeasurementsConfig(AppConfig):
    name = "apps.measurements"
    label = "measurements"
    verbose_name = "Measurements"

    def ready(self):
        from apps.slos.selectors import register_risk_reader

        from .risk import slo_risks

        # Alignment (slos, below) shows AT_RISK from what is measured here.
        register_risk_reader(slo_risks)
