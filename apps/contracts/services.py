"""Every write to contracts, commitments, sign-offs and waivers goes through these functions.

Each checks permission and state first, runs in one transaction with the contract row locked,
records who did it and why in history, and raises ValidationError (bad input), PermissionDenied
or TransitionNotAllowed (the state forbids it) with a message a person can act on.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from apps.core.errors import TransitionNotAllowed
from apps.notifications.models import NotificationDelivery
from apps.notifications.services import deliveries_queue
from apps.slos import alignment
from apps.slos.models import SLO
from apps.slos.selectors import AlignmentBatch, evaluate_alignment

from . import documents, notices, policies
from .choices import (
    ACTION_STATES,
    OPEN_STATES,
    REVIEWABLE_STATES,
    TERMINAL_STATES,
    ContractStatus,
    Decision,
    DocumentKind,
)
from .models import (
    Commitment,
    Contract,
    ContractDocument,
    ScheduleFitConfirmation,
    SignOff,
    Waiver,
)
from .tighten_first import tighten_first

CONTRACT_FIELDS = (
    "customer",
    "number",
    "title",
    "monthly_fee",
    "currency",
    "start_date",
    "end_date",
    "renewal_date",
    "timezone",
    "support_calendar",
    "legal_reviewer",
    "documents",
)
COMMITMENT_FIELDS = ("indicator", "target", "period", "credit_schedule", "exclusions")


def _save(instance: Model, *, user, reason: str, validate: bool = True) -> None:
    """Validate (as forms, admin and API all need) and save, recording user and reason."""
    if validate:
        instance.full_clean()
    if user is not None:  # else the request's user, recorded by HistoryRequestMiddleware
        instance._history_user = user
    instance._change_reason = reason
    instance.save()


def _unknown_fields(fields: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in unknown})


def _locked_contract(contract_id: int) -> Contract:
    return Contract.objects.select_for_update().get(pk=contract_id)


def _require_state(contract: Contract, allowed, action: str) -> None:
    if contract.status not in allowed:
        raise TransitionNotAllowed(
            f"Cannot {action} contract {contract}: it is {contract.get_status_display().lower()}."
        )


# --- contracts ---------------------------------------------------------------------------


def contract_create(*, user, **fields) -> Contract:
    _unknown_fields(fields, CONTRACT_FIELDS)
    policies.check_create(user)
    contract = Contract(owner=user, **fields)
    with transaction.atomic():
        _save(contract, user=user, reason="Contract drafted.")
    return contract


def contract_update(*, contract: Contract, user, **fields) -> Contract:
    _unknown_fields(fields, CONTRACT_FIELDS)
    with transaction.atomic():
        locked = _locked_contract(contract.pk)
        policies.check_edit(user, locked)
        _require_state(locked, ACTION_STATES["edit"], "edit")
        if locked.revision > 1 and "number" in fields and fields["number"] != locked.number:
            raise ValidationError({"number": "An amendment keeps the contract's number."})
        for name, value in fields.items():
            setattr(locked, name, value)
        _save(locked, user=user, reason="Contract terms edited.")
    return locked


def contract_submit(*, contract: Contract, user) -> Contract:
    with transaction.atomic():
        locked = _locked_contract(contract.pk)
        policies.check_submit(user, locked)
        _require_state(locked, ACTION_STATES["submit"], "submit")
        if not locked.commitments.exists():
            raise TransitionNotAllowed("A contract needs at least one commitment to be reviewed.")
        # A rejection is answered by resubmitting: the line goes back to engineering's queue.
        for rejection in SignOff.objects.filter(
            commitment__contract=locked, voided_at__isnull=True, decision=Decision.REJECT
        ):
            _void(rejection, user=user, reason="Resubmitted after the rejection.")
        locked.status = ContractStatus.IN_REVIEW
        locked.submitted_at = timezone.now()
        locked.submitted_by = user
        # Terms may have changed since legal looked: legal approves each submission afresh.
        locked.legal_approved_at = None
        locked.legal_approved_by = None
        _save(locked, user=user, reason="Submitted for review.", validate=False)
        _refresh_verdicts(Commitment.objects.filter(contract=locked))
        # In the same transaction: the engineers hear of exactly the submissions that happened.
        deliveries_queue(deliveries=notices.submission_notices(locked))
        # Were the rejected lines removed and the others approved, legal is next at once.
        _tell_legal_when_lines_approved(locked, f"submitted-{locked.submitted_at.isoformat()}")
        _approve_when_complete(locked, user=user)
    return locked


def contract_legal_approve(*, contract: Contract, user, comment: str = "") -> Contract:
    with transaction.atomic():
        locked = _locked_contract(contract.pk)
        policies.check_legal_approve(user, locked)
        _require_state(locked, ACTION_STATES["legal_approve"], "legally approve")
        if locked.legal_approved_at:
            raise TransitionNotAllowed("Legal has already approved this revision.")
        locked.legal_approved_at = timezone.now()
        locked.legal_approved_by = user
        locked.legal_comment = (comment or "").strip()
        _save(locked, user=user, reason=comment or "Legal approval.", validate=False)
        _approve_when_complete(locked, user=user)
    return locked


def sign_blockers(contract: Contract, *, on: date | None = None) -> list[str]:
    """What stops a contract from being signed; empty when it may be."""
    on = on or timezone.localdate()
    blockers = []
    if not contract.legal_approved_at:
        blockers.append("Legal has not approved this revision.")
    current = {
        s.commitment_id: s
        for s in SignOff.objects.filter(
            commitment__contract=contract, voided_at__isnull=True
        ).select_related("waiver")
    }
    for line in contract.commitments.select_related("indicator__service"):
        signoff = current.get(line.pk)
        if signoff is None or signoff.decision != Decision.APPROVE:
            blockers.append(f"Line “{line}” has no current engineering approval.")
        elif signoff.verdict in alignment.NEEDS_WAIVER and not _active_waiver(line, on):
            blockers.append(f"Line “{line}” is {signoff.verdict} and its waiver has expired.")
    return blockers


def contract_sign(
    *, contract: Contract, user, signature_date: date | None = None, signatory: str = ""
) -> Contract:
    """Mark the revision signed, recording the date on the document (today unless given; never
    in the future) and who signed it (the person recording the signature unless named)."""
    today = timezone.localdate()
    signature_date = signature_date or today
    if signature_date > today:
        raise ValidationError({"signature_date": "The signature date cannot be in the future."})
    signatory = (signatory or "").strip() or user.get_full_name() or user.get_username()
    if len(signatory) > Contract._meta.get_field("signatory").max_length:
        raise ValidationError({"signatory": "Name the signatory in at most 200 characters."})
    with transaction.atomic():
        locked = _locked_contract(contract.pk)
        policies.check_sign(user, locked)
        _require_state(locked, ACTION_STATES["sign"], "sign")
        blockers = sign_blockers(locked)
        if blockers:
            raise TransitionNotAllowed(" ".join(blockers))
        locked.status = ContractStatus.SIGNED
        locked.signed_at = timezone.now()
        locked.signed_by = user
        locked.signature_date = signature_date
        locked.signatory = signatory
        _save(
            locked,
            user=user,
            reason=f"Signed by {signatory} on {signature_date.isoformat()}.",
            validate=False,
        )
        if locked.previous_revision_id:
            previous = _locked_contract(locked.previous_revision_id)
            if previous.status == ContractStatus.SIGNED:
                previous.status = ContractStatus.SUPERSEDED
                _save(
                    previous,
                    user=user,
                    reason=f"Superseded by revision {locked.revision}.",
                    validate=False,
                )
        deliveries_queue(deliveries=notices.signature_notices(locked))
    return locked


def contract_amend(*, contract: Contract, user) -> Contract:
    """Open a new draft revision of a signed contract, with a copy of its lines."""
    with transaction.atomic():
        locked = _locked_contract(contract.pk)
        policies.check_amend(user, locked)
        _require_state(locked, ACTION_STATES["amend"], "amend")
        if Contract.objects.filter(number=locked.number, status__in=OPEN_STATES).exists():
            raise TransitionNotAllowed(
                f"Contract {locked.number} already has a revision in progress."
            )
        draft = Contract(
            previous_revision=locked,
            revision=locked.revision + 1,
            owner=locked.owner,
            **{name: getattr(locked, name) for name in CONTRACT_FIELDS},
        )
        _save(draft, user=user, reason=f"Amendment of revision {locked.revision}.")
        for line in locked.commitments.all():
            copy = Commitment(
                contract=draft,
                verdict=line.verdict,
                **{name: getattr(line, name) for name in COMMITMENT_FIELDS},
            )
            _save(
                copy, user=user, reason=f"Copied from revision {locked.revision}.", validate=False
            )
    return draft


def contract_terminate(*, contract: Contract, user, reason: str) -> Contract:
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the contract is terminated."})
    with transaction.atomic():
        locked = _locked_contract(contract.pk)
        policies.check_terminate(user, locked)
        if locked.status not in ACTION_STATES["terminate"]:
            raise TransitionNotAllowed(
                f"Contract {locked} is already {locked.get_status_display().lower()}."
            )
        locked.status = ContractStatus.TERMINATED
        locked.terminated_at = timezone.now()
        locked.termination_reason = reason
        _save(locked, user=user, reason=f"Terminated: {reason}", validate=False)
    return locked


def document_attach(*, contract: Contract, file, kind: str, user) -> ContractDocument:
    """Keep a file with the contract's revision, recording who attached it. The file is checked
    (type by its content, size) before anything is stored; a refusal stores nothing."""
    policies.check_attach_document(user, contract)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": f"Choose one of: {', '.join(DocumentKind.values)}."})
    upload = documents.check_upload(file)
    with transaction.atomic():
        locked = _locked_contract(contract.pk)
        policies.check_attach_document(user, locked)
        document = ContractDocument(
            contract=locked,
            revision=locked.revision,
            kind=kind,
            name=upload.name,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
            uploaded_by=user,
        )
        document.file.save(upload.name, file, save=False)
        try:
            _save(
                document,
                user=user,
                reason=f"{document.get_kind_display()} attached to revision {locked.revision}.",
            )
        except BaseException:
            document.file.delete(save=False)  # no row, so no file either
            raise
    return document


def _engineering_done(contract: Contract) -> bool:
    """Every line of the contract (it has at least one) holds a current approval."""
    lines = set(contract.commitments.values_list("pk", flat=True))
    approved = set(
        SignOff.objects.filter(
            commitment__contract=contract, voided_at__isnull=True, decision=Decision.APPROVE
        ).values_list("commitment_id", flat=True)
    )
    return bool(lines) and lines <= approved


def _tell_legal_when_lines_approved(contract: Contract, transition: str) -> None:
    """Once every line is approved (``transition`` did it), legal hears it is next."""
    if _engineering_done(contract):
        deliveries_queue(deliveries=notices.lines_approved_notices(contract, transition=transition))


def _approve_when_complete(contract: Contract, *, user) -> None:
    """In review → approved once legal and engineering (every line) have approved."""
    if contract.status != ContractStatus.IN_REVIEW or not contract.legal_approved_at:
        return
    if _engineering_done(contract):
        contract.status = ContractStatus.APPROVED
        _save(contract, user=user, reason="Every line and legal approved.", validate=False)


# --- commitments -------------------------------------------------------------------------


def commitment_create(*, contract: Contract, user, **fields) -> Commitment:
    _unknown_fields(fields, COMMITMENT_FIELDS)
    with transaction.atomic():
        locked = _locked_contract(contract.pk)
        policies.check_edit(user, locked)
        _require_state(locked, ACTION_STATES["edit"], "add a line to")
        commitment = Commitment(contract=locked, **fields)
        commitment.full_clean()
        commitment.verdict = evaluate_alignment(
            commitment.indicator, commitment.target, check_risk=False
        ).verdict
        _save(commitment, user=user, reason="Line added.", validate=False)
    return commitment


def commitment_update(*, commitment: Commitment, user, **fields) -> Commitment:
    _unknown_fields(fields, COMMITMENT_FIELDS)
    with transaction.atomic():
        locked = _locked_contract(commitment.contract_id)
        policies.check_edit(user, locked)
        _require_state(locked, ACTION_STATES["edit"], "edit a line of")
        line = Commitment.objects.select_for_update().get(pk=commitment.pk)
        for name, value in fields.items():
            setattr(line, name, value)
        line.full_clean()
        line.verdict = evaluate_alignment(line.indicator, line.target, check_risk=False).verdict
        changed = line.material_changes()
        _save(line, user=user, reason="Line edited.", validate=False)
        if changed:
            # A decision judged the line as it was: the edited line needs a new one.
            signoffs_void_for_commitment(
                commitment=line, reason=f"Commitment edited ({', '.join(changed)}).", user=user
            )
    return line


def commitment_delete(*, commitment: Commitment, user) -> None:
    with transaction.atomic():
        locked = _locked_contract(commitment.contract_id)
        policies.check_remove_line(user, locked)
        _require_state(locked, ACTION_STATES["edit"], "remove a line of")
        commitment._history_user = user
        commitment._change_reason = "Line removed."
        commitment.delete()


def commitment_alignment(commitment: Commitment):
    """The live alignment of a line (verdict, SLO, buffer, safe maximum)."""
    return evaluate_alignment(commitment.indicator, commitment.target)


def _active_waiver(commitment: Commitment, on: date) -> Waiver | None:
    return commitment.waivers.filter(expires_on__gte=on).order_by("-expires_on").first()


def commitment_signoff(
    *, commitment: Commitment, user, decision: str, comment: str = ""
) -> SignOff:
    """Record engineering's decision on a line, pinned to the versions it judged."""
    comment = (comment or "").strip()
    if decision not in Decision.values:
        raise ValidationError({"decision": f"Choose one of: {', '.join(Decision.values)}."})
    if decision == Decision.REJECT and not comment:
        raise ValidationError({"comment": "Say why the line is rejected."})
    with transaction.atomic():
        contract = _locked_contract(commitment.contract_id)
        line = (
            Commitment.objects.select_for_update()
            .select_related("indicator__service")
            .get(pk=commitment.pk)
        )
        line.contract = contract
        policies.check_signoff(user, line)
        _require_state(contract, REVIEWABLE_STATES, "sign off a line of")
        # Read under the line's lock: of two engineers deciding at once, the second finds the
        # first's decision here and is refused, instead of silently replacing it. A decision
        # stands until a change to the line or its SLO voids it.
        decided = line.signoffs.filter(voided_at__isnull=True).select_related("decided_by")
        if (previous := decided.first()) is not None:
            when = timezone.localtime(previous.decided_at)
            raise TransitionNotAllowed(
                f"This line is already decided: {previous.get_decision_display().lower()} by "
                f"{previous.decided_by} on {when:%Y-%m-%d %H:%M}."
            )
        result = commitment_alignment(line)
        waiver = None
        if decision == Decision.APPROVE:
            # A raised target needs the SLO tightened first; no waiver stands in for that.
            raised = tighten_first(line, result)
            if raised is not None and not raised.satisfied:
                raise TransitionNotAllowed(raised.message())
            if result.verdict in alignment.NEEDS_WAIVER:
                waiver = _active_waiver(line, timezone.localdate())
                if waiver is None:
                    raise TransitionNotAllowed(
                        f"This line is {result.verdict}: approving it needs an unexpired "
                        "waiver from leadership. " + " ".join(result.alignment.reasons)
                    )
            if result.verdict == alignment.Verdict.INCOMPARABLE and not comment:
                raise ValidationError(
                    {"comment": "This line is INCOMPARABLE: explain why the SLO covers it."}
                )
        signoff = SignOff(
            commitment=line,
            decision=decision,
            comment=comment,
            decided_by=user,
            commitment_version=line.version,
            slo=result.slo,
            slo_version=result.slo.version if result.slo else None,
            verdict=result.verdict,
            waiver=waiver,
        )
        _save(signoff, user=user, reason=f"Engineering {decision}.", validate=False)
        if line.verdict != result.verdict:
            Commitment.objects.filter(pk=line.pk).update(verdict=result.verdict)
        if decision == Decision.REJECT:
            contract.status = ContractStatus.CHANGES_REQUESTED
            _save(contract, user=user, reason=f"Line rejected: {comment}", validate=False)
            deliveries_queue(deliveries=notices.rejection_notices(signoff))
        else:
            _approve_when_complete(contract, user=user)
            _tell_legal_when_lines_approved(contract, f"signoff-{signoff.pk}")
    return signoff


def _void(signoff: SignOff, *, user=None, reason: str) -> None:
    signoff.voided_at = timezone.now()
    signoff.void_reason = reason
    _save(signoff, user=user, reason=reason, validate=False)


def _void_all(signoffs, *, reason: str, user=None) -> None:
    """Void sign-offs; an approved contract that loses one goes back to review."""
    with transaction.atomic():
        reopened = set()
        for signoff in signoffs.select_for_update().select_related("commitment"):
            _void(signoff, user=user, reason=reason)
            contract_id = signoff.commitment.contract_id
            if contract_id in reopened:
                continue
            reopened.add(contract_id)
            # Locked and read afresh: a signature committed meanwhile must not be overwritten.
            contract = _locked_contract(contract_id)
            if contract.status == ContractStatus.APPROVED:
                contract.status = ContractStatus.IN_REVIEW
                _save(contract, user=user, reason=f"Back to review: {reason}", validate=False)


def signoffs_void_for_commitment(*, commitment: Commitment, reason: str, user=None) -> None:
    _void_all(
        SignOff.objects.filter(commitment=commitment, voided_at__isnull=True),
        reason=reason,
        user=user,
    )


def signoffs_void_for_slo(*, slo: SLO, reason: str, user=None) -> None:
    """A changed SLO voids the unsigned decisions that judged it (signed ones drift instead)."""
    _void_all(
        SignOff.objects.filter(
            slo=slo, voided_at__isnull=True, commitment__contract__status__in=OPEN_STATES
        ),
        reason=reason,
        user=user,
    )


# --- waivers -----------------------------------------------------------------------------


def waiver_grant(*, commitment: Commitment, user, justification: str, expires_on: date) -> Waiver:
    policies.check_grant_waiver(user, commitment)
    if commitment.contract.status in TERMINAL_STATES:
        raise TransitionNotAllowed("The contract is closed: a waiver would change nothing.")
    waiver = Waiver(
        commitment=commitment,
        justification=(justification or "").strip(),
        expires_on=expires_on,
        granted_by=user,
    )
    with transaction.atomic():
        _save(waiver, user=user, reason="Waiver granted.")
    return waiver


def waivers_notify_expiring(*, on: date | None = None) -> list[NotificationDelivery]:
    """Tell the grantor and the contract's owner of each waiver about to expire (beat, daily).

    Once per waiver and expiry date: the dedup keys make a second run, or two at once, add
    nothing. Returns the deliveries queued.
    """
    with transaction.atomic():
        notices_due = notices.waiver_expiry_notices(on or timezone.localdate())
        return deliveries_queue(deliveries=notices_due)


# --- credit schedule against target ------------------------------------------------------


def commitment_schedule_confirm(
    *, commitment: Commitment, user, comment: str
) -> ScheduleFitConfirmation:
    """Legal confirms on purpose a line whose credit schedule contradicts its target; the
    confirmation holds for this version of the line only."""
    comment = (comment or "").strip()
    with transaction.atomic():
        contract = _locked_contract(commitment.contract_id)
        policies.check_legal_approve(user, contract)
        _require_state(contract, OPEN_STATES, "confirm the credit schedule of")
        line = Commitment.objects.select_related("credit_schedule").get(pk=commitment.pk)
        findings = line.schedule_findings
        if not findings:
            raise TransitionNotAllowed(
                f"Line “{line}”: its credit schedule agrees with its target; nothing to confirm."
            )
        if not comment:
            raise ValidationError({"comment": "Say why this credit schedule is intended."})
        confirmation = ScheduleFitConfirmation(
            commitment=line,
            commitment_version=line.version,
            findings="\n".join(finding.message for finding in findings),
            comment=comment,
            confirmed_by=user,
        )
        _save(confirmation, user=user, reason=f"Credit schedule confirmed: {comment}")
    return confirmation


# --- alignment cache ---------------------------------------------------------------------


def commitments_refresh_alignment(*, service_id: int | None = None) -> int:
    """Recompute cached verdicts (all services when service_id is None); returns rows changed."""
    lines = Commitment.objects.exclude(contract__status__in=TERMINAL_STATES)
    if service_id is not None:
        lines = lines.filter(indicator__service_id=service_id)
    return _refresh_verdicts(lines)


def _refresh_verdicts(lines) -> int:
    lines = list(lines.select_related("indicator"))
    batch = AlignmentBatch([line.indicator for line in lines], check_risk=False)
    changed = defaultdict(list)
    for line in lines:
        verdict = batch.evaluate(line.indicator, line.target).verdict
        if verdict != line.verdict:
            changed[verdict].append(line.pk)
    # The verdict is a cache, excluded from history: a bulk update is right here.
    for verdict, pks in changed.items():
        Commitment.objects.filter(pk__in=pks).update(verdict=verdict)
    return sum(len(pks) for pks in changed.values())
