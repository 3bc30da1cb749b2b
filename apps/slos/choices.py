from django.db import models

from .alignment import Verdict

# A verdict in words, as its badge writes it everywhere: "NO SLO", never "No Slo".
VERDICT_CHOICES = [(verdict.value, verdict.value.replace("_", " ")) for verdict in Verdict]


class SloWindow(models.TextChoices):
    ROLLING_7D = "7d", "Rolling 7 days"
    ROLLING_28D = "28d", "Rolling 28 days"
    ROLLING_30D = "30d", "Rolling 30 days"
    MONTH = "month", "Calendar month"
    QUARTER = "quarter", "Calendar quarter"


ROLLING_WINDOW_DAYS = {
    SloWindow.ROLLING_7D: 7,
    SloWindow.ROLLING_28D: 28,
    SloWindow.ROLLING_30D: 30,
}


class BudgetingMethod(models.TextChoices):
    OCCURRENCES = "occurrences", "Occurrences"
    TIMESLICES = "timeslices", "Timeslices"


class SloStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"
