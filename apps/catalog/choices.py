from django.db import models


class IndicatorKind(models.TextChoices):
    AVAILABILITY = "availability", "Availability"
    LATENCY = "latency", "Latency"
    QUALITY = "quality", "Quality"
    SUPPORT_RESPONSE = "support_response", "Support response"
    SUPPORT_RESOLUTION = "support_resolution", "Support resolution"
    CUSTOM = "custom", "Custom"


# Kinds whose threshold is a limit to stay under (300 ms, 15 min): a lower threshold is stricter.
LOWER_THRESHOLD_IS_STRICTER = frozenset(
    {IndicatorKind.LATENCY, IndicatorKind.SUPPORT_RESPONSE, IndicatorKind.SUPPORT_RESOLUTION}
)


class IndicatorSource(models.TextChoices):
    API = "api", "API"
    CSV = "csv", "CSV upload"
    PROMETHEUS = "prometheus", "Prometheus"
    TICKETS = "tickets", "Support tickets"
