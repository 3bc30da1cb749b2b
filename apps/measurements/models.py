from django.db import models

from apps.catalog.models import Indicator


class SLISample(models.Model):
    """Good and total event counts of one indicator for one time bucket [start, end), in UTC.

    Unique on (indicator, start): re-sending a bucket replaces it, so nothing is counted twice.
    The unique index doubles as the range-scan index for per-indicator time windows.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="samples")
    start = models.DateTimeField()
    end = models.DateTimeField()
    good = models.BigIntegerField()
    total = models.BigIntegerField()

    class Meta:
        verbose_name = "SLI sample"
        ordering = ["indicator", "start"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "start"], name="slisample_unique_bucket"),
            models.CheckConstraint(
                condition=models.Q(good__gte=0) & models.Q(total__gte=0),
                name="slisample_counts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(good__lte=models.F("total")), name="slisample_good_within_total"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="slisample_end_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.indicator_id} @ {self.start:%Y-%m-%d %H:%M}: {self.good}/{self.total}"
