"""Contracts in the admin: legal's actions (approve, sign, terminate) on read-only rows."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.html import format_html, format_html_join

from apps.core.admin import (
    ReadOnlyGovernedAdmin,
    ReadOnlyInline,
    action_with_comment,
    apply_to_each,
)
from apps.slos.alignment import NEEDS_WAIVER

from .. import policies, services
from ..choices import ContractStatus
from ..models import Commitment, Contract
from .display import STATUS_COLOURS, badge
from .documents import DocumentInline


class CommitmentInline(ReadOnlyInline):
    """The contract's lines, read-only; each links to its page with the alignment detail."""

    model = Commitment
    fields = ["indicator", "target", "period", "credit_schedule", "verdict", "version"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator__service", "credit_schedule")


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
    inlines = [CommitmentInline, DocumentInline]
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
