from django.db import models


class DriftKind(models.TextChoices):
    SLO_LOOSENED = "slo_loosened", "SLO loosened"
    SLO_RETIRED = "slo_retired", "SLO retired"
    WAIVER_EXPIRED = "waiver_expired", "Waiver expired"
    ATTAINMENT_BELOW = "attainment_below", "Attainment below the SLA"


class ChannelKind(models.TextChoices):
    EMAIL = "email", "Email"
    SLACK = "slack", "Slack incoming webhook"
    WEBHOOK = "webhook", "Signed webhook"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


# A worker may claim a delivery in these states; SENT and FAILED are final until a person retries.
CLAIMABLE_STATES = frozenset({DeliveryStatus.PENDING})
FINAL_STATES = frozenset({DeliveryStatus.SENT, DeliveryStatus.FAILED})
