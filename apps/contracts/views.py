"""The sales and legal pages: contract list, contract page with its actions, the contract form
with live alignment, and the alignment preview fragment it fetches.

Every write goes through services.py; a refusal (bad input, permission, state) rolls the whole
request back and is shown to the person next to what caused it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from apps.catalog.models import Customer, Indicator
from apps.core import formatting
from apps.core.errors import DomainError
from apps.core.validators import validate_target_percent
from apps.slos import alignment
from apps.slos.selectors import AlignmentResult, evaluate_alignment

from . import filters as contract_filters
from . import policies, schedule_fit, selectors, services
from .choices import OPEN_STATES, ContractStatus, Decision, DocumentKind, Period
from .document_views import DocumentForm
from .filters import ContractFilterForm
from .forms import ContractForm, SignatureForm, TerminateForm, commitment_formset
from .models import Commitment, Contract, CreditSchedule, ScheduleFitConfirmation, SignOff

PAGE_SIZE = 25
ACTIONS = ("submit", "legal-approve", "sign", "amend", "terminate")
REFUSALS = (ValidationError, PermissionDenied, DomainError)


def _message(error: Exception) -> str:
    """One readable sentence for any refusal a service raises."""
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "You may not do this."


def _visible_contract(user, pk: int) -> Contract:
    """The contract, or 404 for anyone who may not see it (its existence is not revealed)."""
    try:
        return selectors.contract_for_page(user, pk)
    except Contract.DoesNotExist:
        raise Http404("No such contract.") from None


# --- list ----------------------------------------------------------------------------------


@login_required
@require_GET
def contract_list(request):
    user = request.user
    visible = policies.visible_contracts(user)
    customers = Customer.objects.filter(pk__in=visible.values("customer_id")).order_by("name")
    filters = ContractFilterForm(
        request.GET or None, customers=customers, owners=contract_filters.owners_of(visible)
    )
    criteria = filters.criteria(user) if filters.is_bound else {}
    if filters.is_bound and filters.errors:
        messages.error(request, "Some filters were ignored: " + " ".join(filters.problems()))
    contracts = selectors.contracts_for_list(user, **criteria)
    page = Paginator(contracts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (
            contract,
            [
                (verdict, count)
                for verdict in selectors.VERDICTS
                if (count := getattr(contract, selectors.verdict_count_field(verdict)))
            ],
        )
        for contract in page
    ]
    sort = criteria.get("sort", contract_filters.DEFAULT_SORT)
    return render(
        request,
        "contracts/contract_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "columns": _sort_links(sort),
            "can_create": selectors.can_create_contract(user),
        },
    )


# The list's sortable columns: heading and sort key.
SORTABLE_COLUMNS = (
    ("Number", "number"),
    ("Customer", "customer"),
    ("Status", "status"),
    ("Owner", "owner"),
    ("Monthly fee", "fee"),
    ("Start", "start"),
    ("End", "end"),
    ("Renewal", "renewal"),
)


def _sort_links(sort: str) -> dict[str, dict]:
    """Per sort key: the sort its heading link asks for (the reverse when it is the current one)
    and the aria-sort the heading carries."""
    columns = {}
    for label, key in SORTABLE_COLUMNS:
        current = sort.removeprefix("-") == key
        descending = sort.startswith("-")
        columns[key] = {
            "label": label,
            "sort": f"-{key}" if current and not descending else key,
            "aria_sort": ("descending" if descending else "ascending") if current else "",
        }
    return columns


# --- contract page -------------------------------------------------------------------------


@dataclass
class LineView:
    """What the contract page shows for one line."""

    line: Commitment
    target: str
    alignment: dict
    current: SignOff | None = None
    voided: list[SignOff] = field(default_factory=list)
    schedule_findings: list = field(default_factory=list)
    confirmation: ScheduleFitConfirmation | None = None
    can_confirm_schedule: bool = False
    can_decide: bool = False


@login_required
@require_GET
def contract_detail(request, pk: int):
    contract = _visible_contract(request.user, pk)
    lines = selectors.lines_for_page(contract)
    results = selectors.alignments_for(lines)
    line_views = []
    may_confirm = contract.status in OPEN_STATES and request.user.has_perm(
        "contracts.legal_approve_contract"
    )
    for line in lines:
        signoffs = list(line.signoffs.all())
        findings = line.schedule_findings
        confirmation = line.schedule_confirmation() if findings else None
        current = next((s for s in signoffs if s.voided_at is None), None)
        line_views.append(
            LineView(
                line=line,
                target=alignment.fmt(line.target),
                alignment=alignment_context(results[line.pk]),
                current=current,
                voided=[s for s in signoffs if s.voided_at is not None],
                schedule_findings=findings,
                confirmation=confirmation,
                can_confirm_schedule=bool(findings) and confirmation is None and may_confirm,
                can_decide=policies.can_decide_line(
                    request.user, line, decided=current is not None
                ),
            )
        )
    documents = selectors.documents_for_page(contract)
    names = _names(contract, lines)
    names["uploaded_by"] = {d.uploaded_by_id: d.uploaded_by.get_username() for d in documents}
    names["kind"] = dict(DocumentKind.choices)
    timeline = [
        _timeline_row(entry, names)
        for entry in selectors.contract_timeline(contract, lines, documents)
    ]
    return render(
        request,
        "contracts/contract_detail.html",
        {
            "contract": contract,
            "lines": line_views,
            "unconfirmed_schedules": [
                row for row in line_views if row.schedule_findings and row.confirmation is None
            ],
            "timeline": timeline,
            "actions": selectors.contract_actions(request.user, contract),
            "terminate_form": TerminateForm(),
            "documents": documents,
            "can_attach_document": policies.can_attach_document(request.user, contract),
            "document_form": DocumentForm(),
        },
    )


def _names(contract: Contract, lines: list[Commitment]) -> dict[str, dict]:
    """Labels for the ids history records hold, from rows the page has already loaded."""
    users = {}
    for person in (
        contract.owner,
        contract.legal_reviewer,
        contract.submitted_by,
        contract.legal_approved_by,
        contract.signed_by,
    ):
        if person is not None:
            users[person.pk] = person.get_username()
    for line in lines:
        for signoff in line.signoffs.all():
            users[signoff.decided_by_id] = signoff.decided_by.get_username()
        for waiver in line.waivers.all():
            users[waiver.granted_by_id] = waiver.granted_by.get_username()
    contracts = {contract.pk: str(contract)}
    if contract.previous_revision:
        contracts[contract.previous_revision_id] = str(contract.previous_revision)
    names = {
        "customer": {contract.customer_id: str(contract.customer)},
        "indicator": {line.indicator_id: str(line.indicator) for line in lines},
        "credit_schedule": {
            line.credit_schedule_id: str(line.credit_schedule)
            for line in lines
            if line.credit_schedule
        },
        "commitment": {line.pk: selectors.line_label(line) for line in lines},
        "contract": contracts,
        "previous_revision": contracts,
    }
    names["status"] = dict(ContractStatus.choices)
    names["decision"] = dict(Decision.choices)
    names["period"] = dict(Period.choices)
    for name in (
        "owner",
        "legal_reviewer",
        "submitted_by",
        "legal_approved_by",
        "signed_by",
        "decided_by",
        "granted_by",
    ):
        names[name] = users
    return names


# Fields the timeline writes as the rest of the page does: "99.99 %", "32,450.00".
PERCENT_FIELDS = {"target", "cap_percent"}
AMOUNT_FIELDS = {"monthly_fee"}


def _timeline_row(entry, names: dict[str, dict]) -> dict:
    def shown(name, value):
        if value is None or value == "":
            return "—"
        if name in names:
            return names[name].get(value, f"#{value}")
        if name.endswith("_at") and isinstance(value, str):
            return value[:16]  # history keeps microseconds and offset; minutes read better
        if name in PERCENT_FIELDS:
            return formatting.target(value)
        if name in AMOUNT_FIELDS:
            return formatting.amount(value)
        return value

    changes = [
        (name.replace("_", " "), shown(name, old), shown(name, new))
        for name, (old, new) in entry.changes.items()
    ]
    return {"entry": entry, "changes": changes}


# --- actions -------------------------------------------------------------------------------


def _do_action(action: str, contract: Contract, request) -> tuple[Contract, str]:
    user = request.user
    if action == "submit":
        services.contract_submit(contract=contract, user=user)
        # Who notices.py tells: legal is told only once engineering has approved every line.
        return contract, (
            "Submitted for review: the engineers of the teams owning its services have been "
            "notified. Legal is notified once engineering has approved every line."
        )
    if action == "legal-approve":
        comment = request.POST.get("comment", "").strip()
        services.contract_legal_approve(contract=contract, user=user, comment=comment)
        return contract, "Legal approval recorded."
    if action == "sign":
        _sign(contract, user)
        return contract, "The contract is signed."
    if action == "amend":
        draft = services.contract_amend(contract=contract, user=user)
        return draft, f"Revision {draft.revision} drafted: edit it and submit it for review."
    if action == "terminate":
        services.contract_terminate(
            contract=contract, user=user, reason=request.POST.get("reason", "")
        )
        return contract, "The contract is terminated."
    raise Http404("No such action.")


@login_required
@require_POST
def contract_action(request, pk: int, action: str):
    contract = _visible_contract(request.user, pk)
    try:
        target, message = _do_action(action, contract, request)
    except REFUSALS as error:
        messages.error(request, f"Nothing changed: {_message(error)}")
        return redirect("contracts:detail", pk=contract.pk)
    messages.success(request, message)
    return redirect("contracts:detail", pk=target.pk)


@login_required
@require_POST
def line_schedule_confirm(request, pk: int, line_pk: int):
    """Legal confirms on purpose a line whose credit schedule contradicts its target."""
    contract = _visible_contract(request.user, pk)
    line = contract.commitments.filter(pk=line_pk).first()
    if line is None:
        raise Http404("No such line.")
    try:
        services.commitment_schedule_confirm(
            commitment=line, user=request.user, comment=request.POST.get("comment", "")
        )
    except REFUSALS as error:
        messages.error(request, f"Nothing changed: {_message(error)}")
    else:
        messages.success(request, f"Credit schedule of “{selectors.line_label(line)}” confirmed.")
    return redirect(f"{reverse('contracts:detail', args=[contract.pk])}#line-{line.pk}")


# --- signature -----------------------------------------------------------------------------


@login_required
def contract_sign_confirm(request, pk: int):
    """What will be signed (terms, lines, legal's approval), the date and signatory, and a
    confirmation; the signature is recorded only once all three are given."""
    contract = _visible_contract(request.user, pk)
    if not selectors.contract_actions(request.user, contract).sign:
        status = contract.get_status_display().lower()
        messages.error(
            request, f"Contract {contract} cannot be signed by you now (it is {status})."
        )
        return redirect("contracts:detail", pk=contract.pk)
    initial = {
        "signature_date": timezone.localdate(),
        "signatory": "",
    }
    form = SignatureForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _sign(contract, request.user, **form.cleaned_data)
        except REFUSALS as error:
            if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
                for name, problems in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, problems)
            else:
                form.add_error(None, _message(error))
        else:
            messages.success(request, "The contract is signed.")
            return redirect("contracts:detail", pk=contract.pk)
    lines = selectors.lines_for_page(contract)
    return render(
        request,
        "contracts/contract_sign.html",
        {
            "contract": contract,
            "lines": [(line, alignment.fmt(line.target)) for line in lines],
            "blockers": services.sign_blockers(contract),
            "form": form,
        },
    )


def _sign(contract: Contract, user, *, signature_date=None, signatory="", confirm=True):
    try:
        return services.contract_sign(
            contract=contract, user=user, signature_date=signature_date, signatory=signatory
        )
    except DomainError as error:
        # Say what is missing, not only that the state forbids signature.
        blockers = services.sign_blockers(contract)
        raise DomainError(" ".join([error.message, *blockers])) from error


# --- form ----------------------------------------------------------------------------------


class _Refused(Exception):
    """A service refused one part of the form; everything is rolled back."""

    def __init__(self, form, error: Exception):
        super().__init__(str(error))
        self.form = form
        self.error = error


def _show_refusal(refusal: _Refused) -> None:
    form, error = refusal.form, refusal.error
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, _message(error))


def _save(user, contract: Contract | None, form: ContractForm, formset) -> Contract:
    """Contract and lines in one transaction: all of it is saved, or none."""
    with transaction.atomic():
        try:
            if contract is None:
                fields = {name: form.cleaned_data[name] for name in services.CONTRACT_FIELDS}
                contract = services.contract_create(user=user, **fields)
            elif form.has_changed():
                changed = {
                    name: form.cleaned_data[name]
                    for name in form.changed_data
                    if name in services.CONTRACT_FIELDS
                }
                contract = services.contract_update(contract=contract, user=user, **changed)
        except REFUSALS as error:
            raise _Refused(form, error) from error
        deleted = set(formset.deleted_forms)
        for line_form in formset.forms:
            line = line_form.instance
            try:
                if line_form in deleted:
                    if line.pk:
                        # The form has written the edited values into its instance; history
                        # should record the line as it was stored.
                        stored = Commitment.objects.get(pk=line.pk)
                        services.commitment_delete(commitment=stored, user=user)
                elif line.pk:
                    if line_form.has_changed():
                        services.commitment_update(
                            commitment=line, user=user, **line_form.service_fields()
                        )
                elif line_form.has_changed():
                    services.commitment_create(
                        contract=contract, user=user, **line_form.service_fields()
                    )
            except REFUSALS as error:
                raise _Refused(line_form, error) from error
    return contract


def _contract_form(request, contract: Contract | None):
    data = request.POST if request.method == "POST" else None
    form = ContractForm(data, instance=contract)
    formset = commitment_formset(data=data, contract=contract)
    if contract is not None:
        # Engineering's latest word on each line, shown to sales where they edit it.
        rejections = selectors.latest_rejections(contract)
        for line_form in formset.forms:
            line_form.latest_rejection = rejections.get(line_form.instance.pk)
    if data is not None:
        form_valid = form.is_valid()  # both validated, so every error shows at once
        if formset.is_valid() and form_valid:
            try:
                saved = _save(request.user, contract, form, formset)
            except _Refused as refusal:
                _show_refusal(refusal)
            else:
                messages.success(request, f"Contract {saved} saved.")
                return redirect("contracts:detail", pk=saved.pk)
    return render(
        request,
        "contracts/contract_form.html",
        {
            "contract": contract,
            "form": form,
            "formset": formset,
            "has_errors": data is not None,
            "alignment_url": reverse("contracts:alignment-preview"),
            "backtest_url": reverse("contracts:backtest-preview"),
        },
    )


@login_required
def contract_create(request):
    if not selectors.can_create_contract(request.user):
        raise PermissionDenied("You may not create contracts.")
    return _contract_form(request, None)


@login_required
def contract_edit(request, pk: int):
    contract = _visible_contract(request.user, pk)
    if not selectors.contract_actions(request.user, contract).edit:
        status = contract.get_status_display().lower()
        messages.error(
            request, f"Contract {contract} cannot be edited by you now (it is {status})."
        )
        return redirect("contracts:detail", pk=contract.pk)
    return _contract_form(request, contract)


# --- alignment preview ---------------------------------------------------------------------


def alignment_context(result: AlignmentResult) -> dict:
    """What a person needs to read a verdict: reasons, the SLO, the buffer and the safe maximum."""
    verdict = result.verdict
    ratio = result.alignment.buffer_ratio
    margin = result.alignment.margin
    return {
        "verdict": verdict.value,
        "verdict_label": verdict.value.replace("_", " "),
        "verdict_class": verdict.value.lower().replace("_", "-"),
        "reasons": result.alignment.reasons,
        "at_risk_reasons": result.at_risk_reasons if result.at_risk else (),
        "slo": result.slo,
        "slo_target": alignment.fmt(result.slo.target) if result.slo else None,
        "policy_ratio": alignment.fmt(result.policy.min_budget_ratio),
        "policy_margin": alignment.fmt(result.policy.min_margin),
        "buffer_ratio": (None if ratio is None else alignment.fmt(ratio.quantize(Decimal("0.01")))),
        "unbounded": ratio is None and result.slo is not None,
        "margin": None if margin is None else alignment.fmt(margin),
        "safe_maximum": (
            None if result.safe_maximum is None else alignment.fmt(result.safe_maximum)
        ),
    }


@login_required
@require_GET
def alignment_preview(request):
    """HTML fragment: the verdict of a target on an indicator, for the form's live preview."""
    if not request.user.has_perm("catalog.view_indicator"):
        raise PermissionDenied("You may not read indicators.")
    template = "contracts/_alignment_preview.html"
    raw_indicator = request.GET.get("indicator", "").strip()
    raw_target = request.GET.get("target", "").strip()
    if not raw_indicator or not raw_target:
        return render(request, template, {"prompt": True})
    indicator = None
    if raw_indicator.isdigit():
        indicator = Indicator.objects.select_related("service").filter(pk=raw_indicator).first()
    if indicator is None:
        return render(
            request,
            template,
            {"problem": "Unknown indicator.", "problem_field": "Indicator"},
            status=400,
        )
    try:
        target = selectors.parse_target(raw_target)
        validate_target_percent(target)
    except ValueError as error:
        return render(
            request, template, {"problem": str(error), "problem_field": "Target"}, status=400
        )
    except ValidationError as error:
        return render(
            request,
            template,
            {"problem": " ".join(error.messages), "problem_field": "Target"},
            status=400,
        )
    result = evaluate_alignment(indicator, target)
    return render(
        request,
        template,
        {
            "indicator": indicator,
            "target": alignment.fmt(target),
            **alignment_context(result),
            "schedule_findings": _schedule_findings(request.GET.get("credit_schedule"), target),
        },
    )


def _schedule_findings(raw_schedule: str | None, target: Decimal) -> list:
    """What the chosen credit schedule says against the typed target (nothing without one)."""
    raw_schedule = (raw_schedule or "").strip()
    if not raw_schedule.isdigit():
        return []
    schedule = CreditSchedule.objects.prefetch_related("tiers").filter(pk=raw_schedule).first()
    if schedule is None:
        return []
    return schedule_fit.schedule_fit(schedule.as_tiers(), target, schedule.cap_percent)
