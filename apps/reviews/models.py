import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from apps.core.errors import TransitionNotAllowed
from apps.core.validators import TEXT_MAX_LENGTH

from . import packets
from .choices import CycleStatus, PacketScope, PacketStatus, SignOffRole


class ReviewCycle(models.Model):
    """The annual review of one calendar year: when it was opened, by whom, and how it went."""

    year = models.PositiveSmallIntegerField()
    period_start = models.DateField()
    period_end = models.DateField(help_text="Last day of the reviewed period (inclusive).")
    status = models.CharField(
        max_length=12, choices=CycleStatus.choices, default=CycleStatus.OPEN, editable=False
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the yearly schedule opened it.",
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    note = models.TextField(blank=True, editable=False, help_text="How generation ended.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["year"],
                name="reviewcycle_one_per_year",
                violation_error_message="A review cycle for this year already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="reviewcycle_end_after_start",
            ),
        ]
        permissions = [
            ("open_reviewcycle", "Can open an annual review cycle"),
            ("regenerate_reviewpacket", "Can regenerate a review packet"),
        ]

    def __str__(self):
        return f"Review {self.year}"


class CanonicalJSONField(models.TextField):
    """A JSON document stored as its canonical text (``packets.canonical_json``), read back as
    Python values.

    The stored text is the very text the packet's content hash is taken of, so a packet can be
    checked against its hash as it is stored. Text rather than PostgreSQL's jsonb: jsonb would
    keep its own normalised form instead of that text, and nothing queries inside a packet.
    """

    description = "JSON document (canonical text)"

    def from_db_value(self, value, expression, connection):
        return None if value is None else orjson.loads(value)

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError as error:
                raise ValidationError(f"Not valid JSON: {error}") from error
        return value

    def get_prep_value(self, value):
        return None if value is None else packets.canonical_json(value)

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))


class ReviewPacket(models.Model):
    """One generated review packet of a service or a customer for a cycle.

    Immutable once ready: regenerating writes a new row with the next version and keeps this one.
    ``data`` is the whole content, stored as its canonical JSON; ``content_hash`` is that text's
    sha256.
    """

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="packets")
    scope = models.CharField(max_length=10, choices=PacketScope.choices)
    scope_id = models.PositiveBigIntegerField()
    scope_label = models.CharField(max_length=200, help_text="Service or customer name.")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=PacketStatus.choices, default=PacketStatus.PENDING
    )
    data = CanonicalJSONField(default=dict, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="How many times a task claimed it.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["cycle", "scope", "scope_label", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "scope", "scope_id", "version"],
                name="reviewpacket_unique_version",
                violation_error_message="This version of the packet already exists.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=PacketStatus.READY) | ~models.Q(content_hash=""),
                name="reviewpacket_ready_has_hash",
            ),
        ]
        indexes = [models.Index(fields=["cycle", "status"], name="reviewpacket_cycle_status")]

    def __str__(self):
        return f"{self.cycle} · {self.get_scope_display()} {self.scope_label} v{self.version}"

    def save(self, *args, **kwargs):
        # A ready packet is evidence that people sign off: it never changes in place.
        if (
            self.pk is not None
            and not self._state.adding
            and type(self)._base_manager.filter(pk=self.pk, status=PacketStatus.READY).exists()
        ):
            raise TransitionNotAllowed(
                "A ready review packet is immutable: regenerate it to get a new version."
            )
        super().save(*args, **kwargs)

    @property
    def is_ready(self) -> bool:
        return self.status == PacketStatus.READY


class ReviewSignOff(models.Model):
    """One role's sign-off on a ready review packet: engineering, sales, customer success, legal."""

    packet = models.ForeignKey(ReviewPacket, on_delete=models.PROTECT, related_name="signoffs")
    role = models.CharField(max_length=20, choices=SignOffRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_signoffs"
    )
    comment = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    signed_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "review sign-off"
        ordering = ["packet", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["packet", "role"],
                name="reviewsignoff_one_per_role",
                violation_error_message="This role has already signed off this packet.",
            )
        ]
        permissions = [
            ("signoff_engineering", "Can sign off review packets for engineering"),
            ("signoff_sales", "Can sign off review packets for sales"),
            ("signoff_customer_success", "Can sign off review packets for customer success"),
            ("signoff_legal", "Can sign off review packets for legal"),
        ]

    def __str__(self):
        return f"{self.get_role_display()} sign-off on {self.packet_id} by {self.user}"
