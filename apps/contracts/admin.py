"""Contracts in the admin: engineering's approval queue, legal's actions, leadership's waivers.

Contracts, commitments and sign-offs are read-only here: they change only through the services
(called by the actions below), so the state rules, "no one approves their own submission" and
the history's user and reason hold in the admin exactly as in the web forms and the API.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from apps.core.admin import (
    GovernedAdmin,
    ReadOnlyGovernedAdmin,
    action_with_comment,
    apply_to_each,
)
from apps.slos.alignment import NEEDS_WAIVER, Verdict, fmt

from . import backtest_summary, policies, services
from .choices import TERMINAL_STATES, ContractStatus, Decision
from .models import Commitment, Contract, CreditSchedule, CreditTier, SignOff, Waiver

VERDICT_COLOURS = {
    Verdict.ALIGNED: "#1e7e34",
    Verdict.THIN: "#b36b00",
    Verdict.INCOMPARABLE: "#6f42c1",
    Verdict.MISMATCH: "#c82333",
    Verdict.NO_SLO: "#6c757d",
}
STATUS_COLOURS = {
    ContractStatus.DRAFT: "#6c757d",
    ContractStatus.IN_REVIEW: "#0069d9",
    ContractStatus.CHANGES_REQUESTED: "#b36b00",
    ContractStatus.APPROVED: "#1e7e34",
    ContractStatus.SIGNED: "#155724",
    ContractStatus.TERMINATED: "#343a40",
    ContractStatus.SUPERSEDED: "#343a40",
}

ALIGNMENT_FIELDS = ["live_verdict", "alignment_reasons", "backing_slo", "buffer", "safe_maximum"]


def badge(text: str, colour: str):
    return format_html(
        '<span style="color:#fff;background:{};padding:1px 6px;border-radius:3px">{}</span>',
        colour,
        text,
    )


def verdict_badge(verdict: str):
    return badge(verdict, VERDICT_COLOURS.get(verdict, "#6c757d"))


# --- credit schedules ----------------------------------------------------------------------


class CreditTierInline(admin.TabularInline):
    model = CreditTier
    extra = 1
    fields = ["lower", "lower_inclusive", "upper", "upper_inclusive", "credit_percent"]

    # A schedule used past drafting is what was reviewed and signed (CreditSchedule.is_locked).
    def has_add_permission(self, request, obj=None):
        return not (obj and obj.is_locked) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_locked) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_locked) and super().has_delete_permission(request, obj)


@admin.register(CreditSchedule)
class CreditScheduleAdmin(GovernedAdmin):
    list_display = ["name", "cap_percent", "tier_count", "line_count"]
    search_fields = ["name"]
    inlines = [CreditTierInline]

    def has_change_permission(self, request, obj=None):
        # Locked, nothing of it changes (CreditSchedule.is_locked): shown read-only, and its
        # history form reverts nothing either (GovernedAdmin).
        return not (obj and obj.is_locked) and super().has_change_permission(request, obj)

    def get_queryset(self, request):
        # Both counts in the list query; distinct because the two joins multiply rows.
        return (
            super()
            .get_queryset(request)
            .annotate(
                tier_total=Count("tiers", distinct=True),
                line_total=Count("commitments", distinct=True),
            )
        )

    @admin.display(description="tiers", ordering="tier_total")
    def tier_count(self, schedule):
        return schedule.tier_total

    @admin.display(description="SLA lines using it", ordering="line_total")
    def line_count(self, schedule):
        return schedule.line_total


# --- contracts -----------------------------------------------------------------------------


class CommitmentInline(admin.TabularInline):
    """The contract's lines, read-only; each links to its page with the alignment detail."""

    model = Commitment
    fields = ["indicator", "target", "period", "credit_schedule", "verdict", "version"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator__service", "credit_schedule")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RiskyLinesFilter(admin.SimpleListFilter):
    title = "risky lines"
    parameter_name = "risky"

    def lookups(self, request, model_admin):
        return [("yes", "Has lines needing a waiver"), ("no", "No risky line")]

    def queryset(self, request, queryset):
        risky = Q(commitments__verdict__in=[v.value for v in NEEDS_WAIVER])
        if self.value() == "yes":
            return queryset.filter(pk__in=Contract.objects.filter(risky).values("pk"))
        if self.value() == "no":
            return queryset.exclude(pk__in=Contract.objects.filter(risky).values("pk"))
        return queryset


@admin.register(Contract)
class ContractAdmin(ReadOnlyGovernedAdmin):
    """Read-only: sales and legal edit drafts in the web forms; legal acts here by actions."""

    list_display = [
        "__str__",
        "customer",
        "title",
        "status_badge",
        "owner",
        "fee",
        "line_count",
        "risky_count",
        "start_date",
        "renewal_date",
    ]
    list_select_related = ["customer", "owner"]
    list_filter = ["status", RiskyLinesFilter]
    search_fields = ["number", "title", "customer__name"]
    show_full_result_count = False
    inlines = [CommitmentInline]
    actions = ["legal_approve", "sign", "terminate"]
    fieldsets = [
        (None, {"fields": ["customer", "number", "revision", "previous_revision", "title"]}),
        (
            "Terms",
            {"fields": ["monthly_fee", "currency", "start_date", "end_date", "renewal_date"]},
        ),
        ("", {"fields": ["timezone", "support_calendar", "documents", "owner", "legal_reviewer"]}),
        ("Workflow", {"fields": ["status", "submitted_at", "submitted_by", "blockers"]}),
        ("Legal", {"fields": ["legal_approved_at", "legal_approved_by", "signed_at", "signed_by"]}),
        ("Ended", {"fields": ["terminated_at", "termination_reason"]}),
    ]
    readonly_fields = ["status", "revision", "previous_revision", "blockers"]

    def get_queryset(self, request):
        # Line counts in the list query: the risky count is what legal scans before signing.
        risky = Q(commitments__verdict__in=[v.value for v in NEEDS_WAIVER])
        # Every admin page of a contract (history too) shows only what the web pages show.
        queryset = policies.visible_contracts(request.user, super().get_queryset(request))
        return queryset.annotate(
            line_total=Count("commitments"),
            risky_total=Count("commitments", filter=risky),
        )

    @admin.display(description="status", ordering="status")
    def status_badge(self, contract):
        return badge(contract.get_status_display(), STATUS_COLOURS[contract.status])

    @admin.display(description="monthly fee", ordering="monthly_fee")
    def fee(self, contract):
        return f"{contract.monthly_fee:,} {contract.currency}"

    @admin.display(description="lines", ordering="line_total")
    def line_count(self, contract):
        return contract.line_total

    @admin.display(description="needing a waiver", ordering="risky_total")
    def risky_count(self, contract):
        return contract.risky_total

    @admin.display(description="what stops signature")
    def blockers(self, contract):
        if contract.status != ContractStatus.APPROVED:
            return f"Only an approved revision can be signed (this one is {contract.status})."
        found = services.sign_blockers(contract)
        if not found:
            return "Nothing: legal may sign it."
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ([b] for b in found)))

    def has_legal_approve_permission(self, request):
        return request.user.has_perm("contracts.legal_approve_contract")

    def has_sign_permission(self, request):
        return request.user.has_perm("contracts.sign_contract")

    def has_terminate_permission(self, request):
        return request.user.has_perm("contracts.terminate_contract")

    @admin.action(description="Record legal approval", permissions=["legal_approve"])
    def legal_approve(self, request, queryset):
        return action_with_comment(
            self,
            request,
            queryset.select_related("customer"),
            action="legal_approve",
            title="Record legal approval",
            button="Approve",
            perform=lambda contract, comment: services.contract_legal_approve(
                contract=contract, user=request.user, comment=comment
            ),
            done="legally approved",
            row_details=lambda contract: f"{contract.customer} · {contract.get_status_display()}",
        )

    @admin.action(description="Mark signed", permissions=["sign"])
    def sign(self, request, queryset):
        apply_to_each(
            self,
            request,
            queryset,
            lambda contract: services.contract_sign(contract=contract, user=request.user),
            done="signed",
        )

    @admin.action(description="Terminate", permissions=["terminate"])
    def terminate(self, request, queryset):
        return action_with_comment(
            self,
            request,
            queryset.select_related("customer"),
            action="terminate",
            title="Terminate contracts",
            button="Terminate",
            label="Reason",
            required_message="Say why the contract is terminated.",
            perform=lambda contract, reason: services.contract_terminate(
                contract=contract, user=request.user, reason=reason
            ),
            done="terminated",
            row_details=lambda contract: f"{contract.customer} · {contract.get_status_display()}",
        )


# --- commitments: engineering's approval queue ----------------------------------------------


class AwaitingMyTeamFilter(admin.SimpleListFilter):
    """Lines under review, with no current decision, that the user may decide."""

    title = "review queue"
    parameter_name = "awaiting"

    def lookups(self, request, model_admin):
        return [("me", "Awaiting my team")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(pk__in=policies.signoff_queue(request.user).values("pk"))
        return queryset


def describe_line(line: Commitment) -> str:
    return f"{line.contract} · {line}"


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyGovernedAdmin):
    """The engineering approval queue: approve or reject lines with a comment."""

    list_display = [
        "__str__",
        "contract",
        "customer",
        "team",
        "target_display",
        "verdict_badge",
        "decision",
        "contract_status",
    ]
    list_select_related = ["contract__customer", "indicator__service__team"]
    list_filter = [
        AwaitingMyTeamFilter,
        "verdict",
        "contract__status",
        "indicator__kind",
        "indicator__service__team",
    ]
    search_fields = ["contract__number", "contract__customer__name", "indicator__name"]
    show_full_result_count = False
    actions = ["approve_lines", "reject_lines"]
    fieldsets = [
        (None, {"fields": ["contract", "indicator", "target", "period", "credit_schedule_terms"]}),
        ("", {"fields": ["exclusions", "version"]}),
        ("Alignment (live)", {"fields": ALIGNMENT_FIELDS}),
        ("History (backtest)", {"fields": ["backtest"]}),
        ("Engineering decision", {"fields": ["current_signoff", "waivers"]}),
    ]
    readonly_fields = [
        "version",
        "credit_schedule_terms",
        *ALIGNMENT_FIELDS,
        "backtest",
        "current_signoff",
        "waivers",
    ]

    def get_queryset(self, request):
        # The current decision as two subqueries: the queue shows it on every row without a
        # query per line.
        current = SignOff.objects.filter(commitment=OuterRef("pk"), voided_at__isnull=True)
        visible = policies.visible_through_contract(
            request.user, super().get_queryset(request), "contract"
        )
        return visible.annotate(
            current_decision=Subquery(current.values("decision")[:1]),
            current_decider=Subquery(current.values("decided_by__username")[:1]),
        )

    @admin.display(description="credit schedule")
    def credit_schedule_terms(self, line):
        """The schedule with its tiers and cap: what the line would pay, not just a name."""
        return line.credit_schedule.summary() if line.credit_schedule else "none"

    @admin.display(description="customer", ordering="contract__customer__name")
    def customer(self, line):
        return line.contract.customer.name

    @admin.display(description="team", ordering="indicator__service__team__name")
    def team(self, line):
        return line.indicator.service.team.name

    @admin.display(description="target", ordering="target")
    def target_display(self, line):
        return f"{fmt(line.target)} %"

    @admin.display(description="verdict", ordering="verdict")
    def verdict_badge(self, line):
        return verdict_badge(line.verdict)

    @admin.display(description="decision", ordering="current_decision")
    def decision(self, line):
        if not line.current_decision:
            return "awaiting"
        return f"{line.current_decision} by {line.current_decider}"

    @admin.display(description="contract status", ordering="contract__status")
    def contract_status(self, line):
        return line.contract.get_status_display()

    # --- change page: the alignment, computed live -------------------------------------

    def _backtest(self, line):
        if not hasattr(line, "_admin_backtest"):
            line._admin_backtest = backtest_summary.line_report(line)
        return line._admin_backtest

    def _alignment(self, line):
        # The backtest report evaluates the very alignment services.commitment_alignment does
        # (the line's indicator and target): the page shows one evaluation, read once.
        return self._backtest(line).alignment

    @admin.display(description="verdict")
    def live_verdict(self, line):
        result = self._alignment(line)
        if result.verdict != line.verdict:
            return format_html(
                "{} (the list still shows {} until the cache refreshes)",
                verdict_badge(result.verdict),
                line.verdict,
            )
        return verdict_badge(result.verdict)

    @admin.display(description="why")
    def alignment_reasons(self, line):
        result = self._alignment(line)
        reasons = [*result.alignment.reasons, *result.at_risk_reasons]
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ([r] for r in reasons))
        )

    @admin.display(description="backing SLO")
    def backing_slo(self, line):
        slo = self._alignment(line).slo
        if slo is None:
            return "None: no active SLO on this service and indicator kind."
        url = reverse("admin:slos_slo_change", args=[slo.pk])
        return format_html('<a href="{}">{}</a> (version {})', url, slo, slo.version)

    @admin.display(description="buffer")
    def buffer(self, line):
        result = self._alignment(line)
        ratio, margin = result.alignment.buffer_ratio, result.alignment.margin
        if margin is None:
            return "—"
        ratio_text = "unbounded" if ratio is None else f"{fmt(round(ratio, 2))}×"
        return (
            f"error budget ratio {ratio_text} (policy ≥ {fmt(result.policy.min_budget_ratio)}×), "
            f"margin {fmt(margin)} points (policy ≥ {fmt(result.policy.min_margin)})"
        )

    @admin.display(description="most you can safely promise")
    def safe_maximum(self, line):
        safe = self._alignment(line).safe_maximum
        return "—" if safe is None else f"{fmt(safe)} %"

    @admin.display(description="last full periods")
    def backtest(self, line):
        context = backtest_summary.report_context(
            self._backtest(line),
            currency=line.contract.currency,
            has_schedule=line.credit_schedule_id is not None,
        )
        return render_to_string("admin/contracts/commitment_backtest.html", context)

    @admin.display(description="current sign-off")
    def current_signoff(self, line):
        signoff = line.signoffs.filter(voided_at__isnull=True).select_related("decided_by").first()
        if signoff is None:
            return "None yet."
        text = (
            f"{signoff.get_decision_display()} by {signoff.decided_by} on "
            f"{timezone.localtime(signoff.decided_at):%Y-%m-%d %H:%M} "
            f"({signoff.verdict}, line version {signoff.commitment_version}"
        )
        if signoff.slo_id:
            text += f", SLO version {signoff.slo_version}"
        text += ")"
        return f"{text}: {signoff.comment}" if signoff.comment else text

    @admin.display(description="waivers")
    def waivers(self, line):
        rows = line.waivers.select_related("granted_by")
        if not rows:
            return "None."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>until {} by {}: {}</li>",
                ((w.expires_on, w.granted_by, w.justification) for w in rows),
            ),
        )

    # --- actions ------------------------------------------------------------------------

    def has_signoff_permission(self, request):
        user = request.user
        return user.has_perm("contracts.signoff_commitment") or user.has_perm(
            "contracts.approve_any_commitment"
        )

    def _signoff(self, request, queryset, *, decision: str, **options):
        lines = queryset.select_related("contract", "indicator__service", "credit_schedule")
        history = backtest_summary.LazySummaries(lines)
        return action_with_comment(
            self,
            request,
            lines,
            perform=lambda line, comment: services.commitment_signoff(
                commitment=line, user=request.user, decision=decision, comment=comment
            ),
            row_details=lambda line: (
                f"{line.verdict}, contract {line.contract.get_status_display()}; {history(line)}"
            ),
            describe=describe_line,
            **options,
        )

    @admin.action(description="Approve selected lines", permissions=["signoff"])
    def approve_lines(self, request, queryset):
        return self._signoff(
            request,
            queryset,
            decision=Decision.APPROVE,
            action="approve_lines",
            title="Approve commitments",
            button="Approve",
            done="approved",
        )

    @admin.action(description="Reject selected lines (asks for a comment)", permissions=["signoff"])
    def reject_lines(self, request, queryset):
        return self._signoff(
            request,
            queryset,
            decision=Decision.REJECT,
            action="reject_lines",
            title="Reject commitments",
            button="Reject",
            done="rejected",
            required_message="Say why the lines are rejected: sales will read it.",
        )


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyGovernedAdmin):
    """Every engineering decision, current or voided: a record, never edited."""

    list_display = [
        "commitment",
        "contract",
        "decision",
        "verdict",
        "decided_by",
        "decided_at",
        "current",
    ]
    list_select_related = ["commitment__contract", "commitment__indicator__service", "decided_by"]
    list_filter = ["decision", "verdict", ("voided_at", admin.EmptyFieldListFilter)]
    search_fields = ["commitment__contract__number", "decided_by__username", "comment"]
    raw_id_fields = ["commitment", "slo", "waiver"]
    show_full_result_count = False

    def get_queryset(self, request):
        return policies.visible_through_contract(
            request.user, super().get_queryset(request), "commitment__contract"
        )

    @admin.display(description="contract", ordering="commitment__contract__number")
    def contract(self, signoff):
        return signoff.commitment.contract

    @admin.display(description="current", boolean=True, ordering="voided_at")
    def current(self, signoff):
        return signoff.is_current


# --- waivers ---------------------------------------------------------------------------------


class WaiverForm(forms.ModelForm):
    """Leadership grants a waiver; who grants it comes from the request, never from the form."""

    class Meta:
        model = Waiver
        fields = ["commitment", "justification", "expires_on"]

    user = None  # set by WaiverAdmin.get_form

    def clean_commitment(self):
        commitment = self.cleaned_data["commitment"]
        try:
            policies.check_grant_waiver(self.user, commitment)
        except PermissionDenied as error:
            raise ValidationError(str(error)) from error
        return commitment


@admin.register(Waiver)
class WaiverAdmin(GovernedAdmin):
    """Granted through services.waiver_grant; a granted waiver is a record (grant a new one)."""

    form = WaiverForm
    allow_revert = False
    list_display = ["commitment", "contract", "granted_by", "granted_at", "expires_on", "active"]
    list_select_related = ["commitment__contract", "commitment__indicator__service", "granted_by"]
    list_filter = ["expires_on"]
    search_fields = ["commitment__contract__number", "justification"]
    autocomplete_fields = ["commitment"]
    readonly_fields = ["granted_by", "granted_at"]

    def get_queryset(self, request):
        return policies.visible_through_contract(
            request.user, super().get_queryset(request), "commitment__contract"
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "commitment":
            # A closed contract needs no waiver: offer only lines of live revisions.
            field.queryset = field.queryset.exclude(contract__status__in=TERMINAL_STATES)
        return field

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        waiver = services.waiver_grant(
            commitment=obj.commitment,
            user=request.user,
            justification=obj.justification,
            expires_on=obj.expires_on,
        )
        obj.pk, obj.granted_by, obj.granted_at = waiver.pk, waiver.granted_by, waiver.granted_at

    @admin.display(description="contract", ordering="commitment__contract__number")
    def contract(self, waiver):
        return waiver.commitment.contract

    @admin.display(description="active", boolean=True)
    def active(self, waiver):
        return waiver.is_active()
