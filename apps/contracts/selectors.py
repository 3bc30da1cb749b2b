"""Reads for the contract pages: lists with verdict counts, one contract with everything it shows,
the actions a user may take now, and the alignment of many lines in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from apps.catalog.models import Indicator
from apps.core.history import HistoryEntry, entries_of_records, grouped_entries, record_label
from apps.slos import alignment
from apps.slos.selectors import AlignmentBatch, AlignmentResult

from . import policies
from .choices import ACTION_STATES, Decision
from .filters import DEFAULT_SORT, ordering
from .models import (
    Commitment,
    Contract,
    ContractDocument,
    ScheduleFitConfirmation,
    SignOff,
    Waiver,
)

# Safest first, so that badges read from good to bad.
VERDICTS = sorted(alignment.Verdict, key=alignment.RISK_ORDER.__getitem__)


def verdict_count_field(verdict: str) -> str:
    return f"lines_{verdict.lower()}"


def contracts_for_list(
    user,
    *,
    status: str | None = None,
    customer_id: int | None = None,
    search: str | None = None,
    verdict: str | None = None,
    owner_id: int | None = None,
    legal_queue: bool = False,
    renewal_within: int | None = None,
    sort: str = DEFAULT_SORT,
    today: date | None = None,
):
    """Visible contracts with their line count and a count per verdict, computed in SQL.

    ``search`` matches the number, the customer's name or the title; ``verdict`` keeps contracts
    with at least one line of that verdict; ``renewal_within`` those renewing in the next N days
    (today included); ``legal_queue`` those waiting for legal (``policies.legal_queue``)."""
    counts = {
        verdict_count_field(verdict): Count("commitments", filter=Q(commitments__verdict=verdict))
        for verdict in VERDICTS
    }
    queryset = policies.visible_contracts(user).select_related("customer", "owner")
    if legal_queue:
        queryset = queryset.filter(pk__in=policies.legal_queue(user).values("pk"))
    if status:
        queryset = queryset.filter(status=status)
    if customer_id:
        queryset = queryset.filter(customer_id=customer_id)
    if owner_id:
        queryset = queryset.filter(owner_id=owner_id)
    if search:
        queryset = queryset.filter(
            Q(number__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(title__icontains=search)
        )
    if verdict:
        queryset = queryset.filter(
            pk__in=Commitment.objects.filter(verdict=verdict).values("contract_id")
        )
    if renewal_within is not None:
        today = today or timezone.localdate()
        queryset = queryset.filter(
            renewal_date__gte=today, renewal_date__lte=today + timedelta(days=renewal_within)
        )
    return queryset.annotate(line_count=Count("commitments"), **counts).order_by(*ordering(sort))


def contract_for_page(user, pk: int) -> Contract:
    """One visible contract with the people it names; DoesNotExist when the user may not see it."""
    return (
        policies.visible_contracts(user)
        .select_related(
            "customer",
            "owner",
            "legal_reviewer",
            "submitted_by",
            "legal_approved_by",
            "signed_by",
            "previous_revision",
        )
        .get(pk=pk)
    )


def lines_for_page(contract: Contract) -> list[Commitment]:
    """The contract's lines with their sign-offs (current and voided), waivers, schedule tiers
    and schedule confirmations: 5 queries."""
    return list(
        contract.commitments.select_related(
            "indicator__service", "credit_schedule"
        ).prefetch_related(
            Prefetch(
                "signoffs",
                queryset=SignOff.objects.select_related("decided_by", "waiver").order_by(
                    "-decided_at", "-id"
                ),
            ),
            Prefetch(
                "waivers",
                queryset=Waiver.objects.select_related("granted_by").order_by("-granted_at", "-id"),
            ),
            # Whether each line's credit schedule contradicts its target, and legal's word on it.
            "credit_schedule__tiers",
            Prefetch(
                "schedule_confirmations",
                queryset=ScheduleFitConfirmation.objects.select_related("confirmed_by"),
            ),
        )
    )


def judged_target():
    """The line's target at the version a sign-off judged, from the line's history: the sign-off
    is named with it, not with the line's target today."""
    return Subquery(
        Commitment.history.filter(
            id=OuterRef("commitment_id"), version=OuterRef("commitment_version")
        ).values("target")[:1]
    )


def latest_rejections(contract: Contract) -> dict[int, SignOff]:
    """Per line, its latest sign-off when that is a rejection (with ``target_then``, the target
    it rejected): what sales reads where they edit the line. One query."""
    latest: dict[int, SignOff] = {}
    signoffs = (
        SignOff.objects.filter(commitment__contract=contract)
        .select_related("decided_by")
        .annotate(target_then=judged_target())
        .order_by("-decided_at", "-id")
    )
    for signoff in signoffs:
        latest.setdefault(signoff.commitment_id, signoff)
    return {pk: s for pk, s in latest.items() if s.decision == Decision.REJECT}


def alignments_for(lines: list[Commitment]) -> dict[int, AlignmentResult]:
    """The live alignment of many lines in a fixed number of queries (SLOs, policies, risk).

    The lines must have ``indicator`` loaded.
    """
    if not lines:
        return {}
    batch = AlignmentBatch([line.indicator for line in lines])
    return {line.pk: batch.evaluate(line.indicator, line.target) for line in lines}


def line_label(line: Commitment) -> str:
    """“Availability ≥ 99.8 %”: how people name a line (the indicator must be loaded)."""
    return f"{line.indicator.name} ≥ {alignment.fmt(line.target)} %"


class LineVersions:
    """What each line said at each of its versions, from its history: so that the timeline names
    every event with the target it was about then, not the line's target today."""

    def __init__(self, records, indicator_names: dict[int, str]):
        """``records``: the lines' historical records, oldest first."""
        self.rows: dict[int, list] = {}
        for record in records:
            self.rows.setdefault(record.id, []).append(
                (record.version, record.target, record.indicator_id, record.history_date)
            )
        missing = {row[2] for rows in self.rows.values() for row in rows} - set(indicator_names)
        self.names = dict(indicator_names)
        if missing:
            self.names.update(Indicator.objects.filter(pk__in=missing).values_list("pk", "name"))

    def label(self, indicator_id: int, target) -> str:
        """“Availability ≥ 99.99 %”, as line_label writes a line."""
        return f"{self.names.get(indicator_id, 'indicator')} ≥ {alignment.fmt(target)} %"

    def at_version(self, line_id: int, version: int) -> str | None:
        rows = [row for row in self.rows.get(line_id, []) if row[0] == version]
        return self.label(rows[-1][2], rows[-1][1]) if rows else None

    def at(self, line_id: int, when) -> str | None:
        rows = [row for row in self.rows.get(line_id, []) if row[3] <= when]
        return self.label(rows[-1][2], rows[-1][1]) if rows else None


def contract_timeline(
    contract: Contract, lines: list[Commitment], documents: list[ContractDocument] = ()
) -> list[HistoryEntry]:
    """Who changed what and why: the contract, its lines (removed ones too), sign-offs, waivers,
    legal's confirmations of credit schedules and the documents attached.

    Each event is named as it was then: a line's record by its own target, a sign-off by the
    version of the line it judged, a waiver by the line as it stood when the waiver changed."""
    live = {line.pk for line in lines}
    # Removed lines keep their history: read from there, the timeline still shows them.
    line_records = list(
        Commitment.history.filter(contract_id=contract.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    names = {line.indicator_id: line.indicator.name for line in lines}
    versions = LineVersions(line_records, names)
    current = {line.pk: line_label(line) for line in lines}

    def line_record(record) -> str:
        label = f"Line {versions.label(record.indicator_id, record.target)}"
        return label if record.id in live else f"{label} (removed)"

    def signoff_record(record) -> str:
        judged = versions.at_version(record.commitment_id, record.commitment_version)
        return f"Sign-off on {judged or current.get(record.commitment_id, 'a line')}"

    def waiver_record(record) -> str:
        then = versions.at(record.commitment_id, record.history_date)
        return f"Waiver on {then or current.get(record.commitment_id, 'a line')}"

    signoff_ids = {signoff.pk for line in lines for signoff in line.signoffs.all()}
    waiver_ids = {waiver.pk for line in lines for waiver in line.waivers.all()}
    entries = [
        *grouped_entries(Contract.history.model, [contract.pk], {contract.pk: "Contract"}),
        *entries_of_records(line_records, line_record),
    ]
    if signoff_ids:
        entries += grouped_entries(SignOff.history.model, signoff_ids, signoff_record)
    if waiver_ids:
        entries += grouped_entries(Waiver.history.model, waiver_ids, waiver_record)

    def confirmation_record(record) -> str:
        confirmed = versions.at_version(record.commitment_id, record.commitment_version)
        return f"Credit schedule of {confirmed or current.get(record.commitment_id, 'a line')}"

    confirmation_ids = {c.pk for line in lines for c in line.schedule_confirmations.all()}
    if confirmation_ids:
        entries += grouped_entries(
            ScheduleFitConfirmation.history.model, confirmation_ids, confirmation_record
        )
    if documents:
        entries += grouped_entries(
            ContractDocument.history.model, {d.pk for d in documents}, record_label
        )
    return sorted(entries, key=lambda entry: entry.changed_at, reverse=True)


def documents_for_page(contract: Contract) -> list[ContractDocument]:
    """The files kept with this revision, newest first, with who attached them. One query."""
    return list(contract.files.select_related("uploaded_by"))


# --- what a user may do now --------------------------------------------------------------

_ACTION_CHECKS = {
    "edit": policies.check_edit,
    "submit": policies.check_submit,
    "legal_approve": policies.check_legal_approve,
    "sign": policies.check_sign,
    "amend": policies.check_amend,
    "terminate": policies.check_terminate,
}


def _permitted(check, user, contract: Contract) -> bool:
    try:
        check(user, contract)
    except PermissionDenied:
        return False
    return True


@dataclass(frozen=True)
class ContractActions:
    """Which buttons the contract page offers this user now."""

    edit: bool
    submit: bool
    legal_approve: bool
    sign: bool
    amend: bool
    terminate: bool

    @property
    def any(self) -> bool:
        return any(vars(self).values())


def contract_actions(user, contract: Contract) -> ContractActions:
    allowed = {}
    for action, states in ACTION_STATES.items():
        allowed[action] = contract.status in states and _permitted(
            _ACTION_CHECKS[action], user, contract
        )
    if contract.legal_approved_at:
        allowed["legal_approve"] = False
    return ContractActions(**allowed)


def can_create_contract(user) -> bool:
    try:
        policies.check_create(user)
    except PermissionDenied:
        return False
    return True


def parse_target(raw: str) -> Decimal:
    """A target typed by a person; ValueError with a message when it is not a number."""
    try:
        value = Decimal((raw or "").strip().replace(",", "."))
    except ArithmeticError:
        raise ValueError(f"“{raw}” is not a number: type a percentage such as 99.9.") from None
    if not value.is_finite():
        raise ValueError(f"“{raw}” is not a number: type a percentage such as 99.9.")
    return value
