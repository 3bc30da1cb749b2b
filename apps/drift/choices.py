from django.db import models


class DriftKind(models.TextChoices):
    SLO_LOOSENED = "slo_loosened", "SLO loosened"
    SLO_RETIRED = "slo_retired", "SLO retired"
    WAIVER_EXPIRED = "waiver_expired", "Waiver expired"
    ATTAINMENT_BELOW = "attainment_below", "Attainment below the SLA"
