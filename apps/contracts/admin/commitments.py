"""Commitments (SLA lines) and sign-offs in the admin: engineering's approval queue."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from apps.core import formatting
from apps.core.admin import (
    ReadOnlyGovernedAdmin,
    action_with_comment,
)
from apps.slos.alignment import fmt

from .. import backtest_summary, decisions, policies, services
from ..choices import Decision
from ..forms import LineDecisionForm
from ..models import Commitment, SignOff
from ..selectors import judged_target
from .display import ALIGNMENT_FIELDS, verdict_badge


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


def _schedule_fit_text(line: Commitment) -> str:
    findings = line.schedule_findings
    if not findings:
        return "The credit schedule agrees with the target."
    text = "Credits contradict the SLA: " + " ".join(f.message for f in findings)
    confirmation = line.schedule_confirmation()
    if confirmation is not None:
        text += (
            f" Confirmed on purpose by {confirmation.confirmed_by.get_username()}: "
            f"{confirmation.comment}"
        )
    return text


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
        (
            None,
            {
                "fields": [
                    "contract",
                    "indicator",
                    "target_display",
                    "period",
                    "credit_schedule_terms",
                    "schedule_fit",
                ]
            },
        ),
        ("", {"fields": ["exclusions", "version"]}),
        ("Alignment (live)", {"fields": ALIGNMENT_FIELDS}),
        ("History (backtest)", {"fields": ["backtest"]}),
        ("Engineering decision", {"fields": ["current_signoff", "waivers"]}),
    ]
    readonly_fields = [
        "target_display",
        "version",
        "credit_schedule_terms",
        "schedule_fit",
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

    # The line's own changes, then every sign-off on it (voided ones too) with its comment and
    # the target it judged.
    object_history_template = "admin/contracts/commitment/object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        signoffs = (
            SignOff.objects.filter(commitment_id=object_id)
            .select_related("decided_by")
            .annotate(target_then=judged_target())
            .order_by("-decided_at", "-id")
        )
        context = {"signoffs": signoffs, **(extra_context or {})}
        return super().history_view(request, object_id, context)

    @admin.display(description="credit schedule")
    def credit_schedule_terms(self, line):
        """The schedule with its tiers and cap: what the line would pay, not just a name."""
        return line.credit_schedule.summary() if line.credit_schedule else "none"

    @admin.display(description="credits against target")
    def schedule_fit(self, line):
        """Where the schedule contradicts the target, and whether legal confirmed it."""
        return _schedule_fit_text(line)

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

    # --- the decision on the line's own page ------------------------------------------------

    change_form_template = "admin/contracts/commitment/change_form.html"

    def get_urls(self):
        decide = path(
            "<path:object_id>/decide/",
            self.admin_site.admin_view(self.decide_view),
            name="contracts_commitment_decide",
        )
        return [decide, *super().get_urls()]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Approve and Reject only for whom the policy lets decide this line now.
        decided = obj is not None and bool(obj.current_decision)
        if obj is not None and policies.can_decide_line(request.user, obj, decided=decided):
            context["decision_form"] = LineDecisionForm()
            context["decide_url"] = reverse("admin:contracts_commitment_decide", args=[obj.pk])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def decide_view(self, request, object_id):
        """Approve or reject this one line with a comment: the bulk actions' service, here."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        line = self.get_object(request, unquote(object_id))
        if line is None:
            raise Http404("No such line.")
        if not self.has_view_permission(request, line):
            raise PermissionDenied("You may not read this line.")
        try:
            done = decisions.decide_line(line=line, user=request.user, data=request.POST)
        except decisions.REFUSALS as error:
            self.message_user(
                request, f"Nothing changed: {decisions.refusal_text(error)}", messages.ERROR
            )
        else:
            self.message_user(request, done, messages.SUCCESS)
        return redirect("admin:contracts_commitment_change", line.pk)

    # --- actions ------------------------------------------------------------------------

    def has_signoff_permission(self, request):
        user = request.user
        return user.has_perm("contracts.signoff_commitment") or user.has_perm(
            "contracts.approve_any_commitment"
        )

    def _signoff(self, request, queryset, *, decision: str, **options):
        lines = queryset.select_related(
            "contract", "indicator__service", "credit_schedule"
        ).prefetch_related("credit_schedule__tiers", "schedule_confirmations__confirmed_by")
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
                + (f" {_schedule_fit_text(line)}" if line.schedule_findings else "")
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
        "line_judged",
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
        ).annotate(target_then=judged_target())

    @admin.display(description="line judged", ordering="commitment")
    def line_judged(self, signoff):
        """The line as the decision saw it: a rejection of 99.99 % keeps saying 99.99 % after
        the line was lowered."""
        line = signoff.commitment
        then = getattr(signoff, "target_then", None)
        return f"{line.indicator} ≥ {formatting.target(then or line.target)} per {line.period}"

    @admin.display(description="contract", ordering="commitment__contract__number")
    def contract(self, signoff):
        return signoff.commitment.contract

    @admin.display(description="current", boolean=True, ordering="voided_at")
    def current(self, signoff):
        return signoff.is_current


# --- waivers ---------------------------------------------------------------------------------
