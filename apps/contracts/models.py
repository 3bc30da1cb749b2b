import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from apps.catalog.models import Customer, Indicator
from apps.core import formatting
from apps.core.roles import LEGAL
from apps.core.validators import TEXT_MAX_LENGTH, target_field, target_in_range
from apps.core.versioning import VersionedModel
from apps.slos.alignment import Verdict
from apps.slos.choices import VERDICT_CHOICES
from apps.slos.models import SLO

from . import credits, file_types, schedule_fit
from .choices import EDITABLE_STATES, OPEN_STATES, ContractStatus, Decision, DocumentKind, Period

SCHEDULE_LOCKED = (
    "This credit schedule is used by SLA lines under review or signed: its name, tiers and cap "
    "cannot change. Create a new schedule and use it in the amendment instead."
)


class CreditSchedule(models.Model):
    """Tiers of attainment → credit % of the monthly fee, with an optional cap."""

    name = models.CharField(max_length=150, unique=True)
    cap_percent = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="The most a period can credit, in % of the monthly fee.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cap_percent__isnull=True) | models.Q(cap_percent__gte=0),
                name="creditschedule_cap_not_negative",
            )
        ]

    def __str__(self):
        return self.name

    def summary(self) -> str:
        """The name with what it pays, for pickers: "Cloud: < 99.99 % → 10 %; … cap 50 %".

        Reads ``tiers.all()``: prefetch them when listing several schedules."""
        terms = [str(tier) for tier in self.tiers.all()] or ["no tiers"]
        if self.cap_percent is not None:
            terms.append(f"cap {formatting.target(self.cap_percent)}")
        return f"{self.name}: {'; '.join(terms)}"

    @property
    def is_locked(self) -> bool:
        """Used by a line past drafting: its tiers and cap are what was reviewed and signed, so
        changing them would rewrite credits already promised. Make a new schedule instead."""
        return bool(self.pk) and (
            self.commitments.exclude(contract__status__in=EDITABLE_STATES).exists()
        )

    def clean(self):
        # The name too: signed contracts and review packets name their schedule, and a rename
        # would make them name one nobody signed.
        if self.pk and self.is_locked:
            stored = type(self).objects.filter(pk=self.pk).values("name", "cap_percent").first()
            changed = [
                name for name in ("name", "cap_percent") if stored[name] != getattr(self, name)
            ]
            if changed:
                raise ValidationError({name: SCHEDULE_LOCKED for name in changed})

    def as_tiers(self) -> list[credits.Tier]:
        return [tier.as_tier() for tier in self.tiers.all()]

    def credit_percent(self, attainment: Decimal | None) -> Decimal:
        return credits.credit_percent(self.as_tiers(), attainment, self.cap_percent)


class CreditTier(models.Model):
    """One attainment range of a schedule: [lower, upper) by default; a null bound is open."""

    schedule = models.ForeignKey(CreditSchedule, on_delete=models.CASCADE, related_name="tiers")
    lower = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    upper = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    lower_inclusive = models.BooleanField(default=True)
    upper_inclusive = models.BooleanField(default=False)
    credit_percent = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(0)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["schedule", "-upper"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lower__isnull=True)
                | models.Q(upper__isnull=True)
                | models.Q(lower__lt=models.F("upper")),
                name="credittier_lower_below_upper",
                violation_error_message="The lower bound must be below the upper bound.",
            ),
            models.CheckConstraint(
                condition=models.Q(credit_percent__gte=0), name="credittier_credit_not_negative"
            ),
        ]

    def __str__(self):
        """The range as the contract says it, then its credit: "≥ 99 and < 99.99 % → 10 %"."""
        low = None
        if self.lower is not None:
            low = f"{'≥' if self.lower_inclusive else '>'} {formatting.trimmed(self.lower)}"
        high = None
        if self.upper is not None:
            high = f"{'≤' if self.upper_inclusive else '<'} {formatting.trimmed(self.upper)}"
        attainment = " and ".join(bound for bound in (low, high) if bound) or "any attainment"
        return f"{attainment} % → {formatting.target(self.credit_percent)}"

    def as_tier(self) -> credits.Tier:
        return credits.Tier(
            self.lower, self.upper, self.credit_percent, self.lower_inclusive, self.upper_inclusive
        )

    def clean(self):
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise ValidationError({"upper": "The upper bound must be above the lower bound."})
        if self.schedule_id and self.schedule.is_locked:
            raise ValidationError(SCHEDULE_LOCKED)


class Contract(models.Model):
    """One revision of a customer contract; amendments are new revisions with the same number."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(max_length=50)
    revision = models.PositiveIntegerField(default=1, editable=False)
    previous_revision = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="next_revision",
    )
    title = models.CharField(max_length=200, blank=True)
    monthly_fee = models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, default="EUR")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    renewal_date = models.DateField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_contracts"
    )
    legal_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_contracts",
    )
    documents = models.TextField(
        max_length=TEXT_MAX_LENGTH, blank=True, help_text="Links to the contract documents."
    )
    support_calendar = models.ForeignKey(
        "calendars.Calendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        help_text=(
            "The customer's support hours and time zone: they replace the calendar of every "
            "business-hours support clock on this contract's tickets."
        ),
    )
    status = models.CharField(
        max_length=20,
        choices=ContractStatus.choices,
        default=ContractStatus.DRAFT,
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    legal_approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    legal_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    legal_comment = models.TextField(
        blank=True, editable=False, help_text="What legal said when approving this revision."
    )
    signature_date = models.DateField(
        null=True, blank=True, editable=False, help_text="The date on the signed document."
    )
    signatory = models.CharField(
        max_length=200, blank=True, editable=False, help_text="Who signed it (name and role)."
    )
    terminated_at = models.DateTimeField(null=True, blank=True, editable=False)
    termination_reason = models.TextField(blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number", "revision"],
                name="contract_unique_number_revision",
                violation_error_message="This contract number and revision already exist.",
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(status__in=sorted(OPEN_STATES)),
                name="contract_one_open_revision",
                violation_error_message="This contract already has a revision in progress.",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_fee__gte=0), name="contract_fee_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="contract_end_after_start",
            ),
        ]
        permissions = [
            ("submit_contract", "Can submit a contract for review"),
            ("legal_approve_contract", "Can record legal approval of a contract"),
            ("sign_contract", "Can mark a contract signed"),
            ("terminate_contract", "Can terminate a contract"),
            ("amend_contract", "Can amend a signed contract"),
        ]

    def __str__(self):
        return f"{self.number} r{self.revision}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATES

    def clean(self):
        import zoneinfo

        errors = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "The end date must not be before the start date."
        if self.currency and (len(self.currency) != 3 or not self.currency.isalpha()):
            errors["currency"] = "Use a three-letter ISO 4217 code such as EUR or USD."
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors["timezone"] = f"Unknown timezone {self.timezone!r}."
        # The legal reviewer sees the contract: only a member of Legal may be named.
        if self.legal_reviewer_id and not self.legal_reviewer.groups.filter(name=LEGAL).exists():
            errors["legal_reviewer"] = "Choose a member of Legal."
        if errors:
            raise ValidationError(errors)
        self.currency = self.currency.upper()


class Commitment(VersionedModel):
    """An SLA line: a contract's promise of a target on an indicator for each period."""

    VERSIONED_FIELDS = ("indicator", "target", "period", "credit_schedule", "exclusions")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="commitments")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="commitments")
    target = target_field()
    period = models.CharField(max_length=10, choices=Period.choices, default=Period.MONTH)
    credit_schedule = models.ForeignKey(
        CreditSchedule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
    )
    exclusions = models.TextField(
        max_length=TEXT_MAX_LENGTH, blank=True, help_text="What the SLA does not cover."
    )
    # A cache of the alignment verdict so that lists and filters need no per-row computation;
    # refreshed whenever the line, an SLO of its service or a buffer policy changes.
    verdict = models.CharField(
        max_length=12, choices=VERDICT_CHOICES, default=Verdict.NO_SLO.value, editable=False
    )
    history = HistoricalRecords(excluded_fields=["verdict"])

    class Meta:
        ordering = ["contract", "id"]
        constraints = [
            models.CheckConstraint(
                condition=target_in_range("target"), name="commitment_target_range"
            ),
        ]
        permissions = [
            ("signoff_commitment", "Can sign off commitments on the team's services"),
            ("approve_any_commitment", "Can sign off commitments on any service"),
        ]

    def __str__(self):
        return f"{self.indicator} ≥ {formatting.target(self.target)} per {self.period}"

    @property
    def schedule_findings(self) -> list[schedule_fit.Finding]:
        """Where the credit schedule contradicts the target: credits above it, gaps below it
        (none without a schedule). Reads the tiers: prefetch ``credit_schedule__tiers``."""
        schedule = self.credit_schedule
        if schedule is None:
            return []
        return schedule_fit.schedule_fit(schedule.as_tiers(), self.target, schedule.cap_percent)

    def schedule_confirmation(self) -> "ScheduleFitConfirmation | None":
        """Legal's confirmation of this version's schedule findings, if it was confirmed."""
        return next(
            (c for c in self.schedule_confirmations.all() if c.commitment_version == self.version),
            None,
        )


class SignOff(models.Model):
    """An engineering decision on one commitment, pinned to what it judged.

    It stays valid while the commitment and the SLO keep the versions recorded here.
    """

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="signoffs")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = models.TextField(max_length=TEXT_MAX_LENGTH, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signoffs"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    commitment_version = models.PositiveIntegerField()
    slo = models.ForeignKey(
        SLO, on_delete=models.PROTECT, null=True, blank=True, related_name="signoffs"
    )
    slo_version = models.PositiveIntegerField(null=True, blank=True)
    verdict = models.CharField(max_length=12, choices=VERDICT_CHOICES)
    waiver = models.ForeignKey(
        "Waiver", on_delete=models.PROTECT, null=True, blank=True, related_name="signoffs"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "sign-off"
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decision=Decision.REJECT) | ~models.Q(comment=""),
                name="signoff_reject_needs_comment",
            ),
            models.UniqueConstraint(
                fields=["commitment"],
                condition=models.Q(voided_at__isnull=True),
                name="signoff_one_current_per_commitment",
            ),
        ]

    def __str__(self):
        return f"{self.get_decision_display()} by {self.decided_by} on {self.commitment_id}"

    @property
    def is_current(self) -> bool:
        return self.voided_at is None


class ScheduleFitConfirmation(models.Model):
    """Legal's on-purpose acceptance of a line whose credit schedule contradicts its target
    (it credits met periods, or leaves breached ones unpaid), pinned to the line's version: an
    edit of the target or the schedule needs a new confirmation."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="schedule_confirmations"
    )
    commitment_version = models.PositiveIntegerField()
    findings = models.TextField(help_text="The findings as legal read them.")
    comment = models.TextField(max_length=TEXT_MAX_LENGTH)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(comment=""), name="schedulefitconfirmation_needs_comment"
            )
        ]

    def __str__(self):
        return f"Schedule confirmed by {self.confirmed_by} on line {self.commitment_id}"


class Waiver(models.Model):
    """Leadership's justified, expiring exception that lets a risky line be approved and signed."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="waivers")
    justification = models.TextField(max_length=TEXT_MAX_LENGTH)
    expires_on = models.DateField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="granted_waivers"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(justification=""), name="waiver_needs_justification"
            )
        ]

    def __str__(self):
        return f"Waiver for {self.commitment_id} until {self.expires_on}"

    def is_active(self, on: date | None = None) -> bool:
        return self.expires_on >= (on or timezone.localdate())

    def clean(self):
        errors = {}
        if not (self.justification or "").strip():
            errors["justification"] = "A waiver needs a justification."
        if self.expires_on and self.expires_on < timezone.localdate():
            errors["expires_on"] = "A waiver cannot expire in the past."
        if errors:
            raise ValidationError(errors)


def documents_storage():
    """Where contract documents are kept: the ``documents`` storage of STORAGES (local files by
    default, an S3-compatible bucket when the environment says so; see config/settings)."""
    return storages["documents"]


def document_path(document: "ContractDocument", filename: str) -> str:
    # A random stored name: the person's file name is kept in the row, never used as a path.
    return f"contracts/{document.contract_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class ContractDocument(models.Model):
    """A file kept with one contract revision (the signed PDF, an attachment): what it is, which
    revision it was attached to, and who attached it when. Never changed or removed: a newer
    file is attached beside it."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="files")
    revision = models.PositiveIntegerField(
        editable=False, help_text="The contract revision the file was attached to."
    )
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    file = models.FileField(storage=documents_storage, upload_to=document_path, max_length=255)
    name = models.CharField(max_length=200, help_text="The file name, as uploaded (made safe).")
    content_type = models.CharField(max_length=100, help_text="What its content was found to be.")
    size = models.PositiveBigIntegerField(help_text="Bytes.")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "contract document"
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} “{self.name}”"

    @property
    def type_label(self) -> str:
        return file_types.label_of(self.content_type)
