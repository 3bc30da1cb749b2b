"""The leadership dashboards: the portfolio, the lists behind each of its figures, and the per
service and per customer drill-downs. Every table also exports as CSV (``?format=csv``).

Read-only pages; who may read them is decided in access.py alone.
"""

from __future__ import annotations

from decimal import Decimal
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from apps.catalog.models import Customer, Service, Team
from apps.contracts import schedule_fit
from apps.core.formatting import Coded, budget_left, money, percent
from apps.slos.alignment import fmt, verdict_words

from . import access, charts, exports, selectors
from .filters import Filters, read_filters

PAGE_SIZE = 50
# What a list shows, kept when its filters change.
LIST_CRITERIA = ("verdict", "drifted", "waiting", "renewal", "exposure", "budget", "risk")
LIST_TITLES = {
    "drifted": "Drifted SLA lines",
    "waiting": "SLA lines waiting for an engineering decision",
}


def _lists(filters: Filters) -> dict:
    """The URL of the list behind each figure, with the same filters."""

    def url(name, **extra):
        return f"{reverse(f'dashboards:{name}')}?{filters.query(**extra)}"

    return {
        "verdicts": {v.value: url("commitments", verdict=v.value) for v in selectors.VERDICTS},
        "all_lines": url("commitments"),
        "credits": url("credits"),
        "exposure": url("contracts", exposure="1"),
        "exhausted": url("slos", budget="exhausted"),
        "at_risk": url("slos", risk="1"),
        "active_slos": url("slos"),
        "waiting": url("commitments", waiting="1"),
        "drifted": url("commitments", drifted="1"),
        "renewals": {w: url("contracts", renewal=w) for w in selectors.RENEWAL_WINDOWS},
        "review": reverse("reviews:cycle-list"),
    }


def _filter_context(request, form, filters: Filters | None) -> dict:
    return {
        "form": form,
        "filters": filters,
        "team_options": _options(Team.objects.all(), filters and filters.team_id),
        "customer_options": _options(Customer.objects.all(), filters and filters.customer_id),
        "years": _years(),
        "csv_url": f"?{_with(request, format='csv')}",
        "keep": LIST_CRITERIA,
    }


def _options(queryset, selected) -> str:
    """The <option>s of a filter select, escaped; written here rather than by a template loop
    because a portfolio may hold thousands of customers."""
    rows = queryset.values_list("pk", "name").order_by("name")
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((pk, mark_safe(" selected") if pk == selected else "", name) for pk, name in rows),
    )


def _years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - 6, -1))


def _with(request, **params) -> str:
    query = request.GET.copy()
    for name, value in params.items():
        query[name] = value
    return query.urlencode()


def _bad_filters(request, form, template: str, **context):
    context = {**_filter_context(request, form, None), **context}
    return render(request, template, context, status=400)


# --- portfolio ----------------------------------------------------------------------------------


@login_required
@require_GET
def portfolio(request):
    access.check_portfolio(request.user)
    filters, form = read_filters(request.GET)
    if filters is None:
        return _bad_filters(request, form, "dashboards/portfolio.html")
    figures = selectors.portfolio(filters)
    links = _lists(filters)
    if exports.wants_csv(request):
        columns = ["figure", "detail", "value", "unit", "list"]
        return exports.csv_response(
            f"portfolio-{filters.label}", columns, exports.portfolio_rows(figures, links)
        )
    context = _filter_context(request, form, filters)
    context.update(
        figures=figures,
        links=links,
        credits_rows=[(c, figures.credits.by_currency[c]) for c in figures.credits.currencies],
        verdict_links=list(links["verdicts"].items()),
        waiting_oldest=_age(figures.waiting.oldest),
        waiting_median=_age(figures.waiting.median),
    )
    return render(request, "dashboards/portfolio.html", context)


def _age(age) -> str:
    if age is None:
        return ""
    days = age.total_seconds() / 86400
    if days >= 1:
        return f"{days:.1f} days"
    return f"{age.total_seconds() / 3600:.1f} hours"


# --- lists behind the figures -------------------------------------------------------------------


def _contract_url(pk: int) -> str:
    return reverse("contracts:detail", args=[pk])


def _totals(items) -> str:
    sums: dict[str, Decimal] = {}
    for item in items:
        currency = item.line.contract.currency
        sums[currency] = sums.get(currency, Decimal(0)) + item.amount
    if not sums:
        return ""
    return "Total: " + ", ".join(
        money(amount, currency) for currency, amount in sorted(sums.items())
    )


def _page(request, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def filtered_list(view):
    """A list behind a portfolio figure: signed in, GET, portfolio access, and its filters read
    (a 400 naming the bad filter otherwise); the view gets ``filters`` and ``form``."""

    @login_required
    @require_GET
    @wraps(view)
    def wrapper(request):
        access.check_portfolio(request.user)
        filters, form = read_filters(request.GET)
        if filters is None:
            return _bad_filters(request, form, "dashboards/list.html")
        return view(request, filters, form)

    return wrapper


def _table(
    request, form, filters, *, title, items, columns, row, url, csv_name, paged=True, **extra
):
    """The list page of ``items`` (one page of them when ``paged``), or all of them as CSV."""
    if exports.wants_csv(request):
        every = items.iterator(chunk_size=2000) if isinstance(items, QuerySet) else items
        return exports.csv_response(csv_name, columns, (row(item) for item in every))
    shown = _page(request, items) if paged else items
    context = _filter_context(request, form, filters)
    context.update(
        title=title,
        page=shown if paged else None,
        columns=columns,
        rows=[(url(item), row(item)) for item in shown],
        **extra,
    )
    return render(request, "dashboards/list.html", context)


def _line_row(line, now) -> list:
    contract = line.contract
    waiting = None
    if getattr(line, "waiting_since", None):
        waiting = f"{(now - line.waiting_since).total_seconds() / 86400:.1f}"
    return [
        contract.number,
        contract.revision,
        contract.customer.name,
        contract.get_status_display(),
        line.indicator.service.name,
        line.indicator.service.team.name,
        line.indicator.name,
        fmt(line.target),
        line.get_period_display(),
        Coded(line.verdict, verdict_words(line.verdict)),
        waiting,
    ]


LINE_COLUMNS = [
    "contract",
    "revision",
    "customer",
    "status",
    "service",
    "team",
    "indicator",
    "target %",
    "period",
    "verdict",
    "waiting (days)",
]


@filtered_list
def commitment_list(request, filters, form):
    """Lines by verdict, drifted lines, or lines waiting for a decision."""
    verdict = request.GET.get("verdict")
    if request.GET.get("drifted"):
        lines, title = selectors.drifted_lines(filters), LIST_TITLES["drifted"]
    elif request.GET.get("waiting"):
        lines, title = selectors.waiting_lines(filters), LIST_TITLES["waiting"]
    elif verdict in {v.value for v in selectors.VERDICTS}:
        lines = selectors.live_lines(filters).filter(verdict=verdict)
        title = f"{verdict_words(verdict)} SLA lines"
    else:
        lines, title = selectors.live_lines(filters), "SLA lines"
    lines = lines.select_related("contract__customer", "indicator__service__team")
    if request.GET.get("waiting"):
        lines = lines.annotate(waiting_since=F("contract__submitted_at")).order_by(
            "contract__submitted_at", "contract__number", "id"
        )
    else:
        lines = lines.order_by("contract__number", "contract__revision", "id")
    now = timezone.now()
    return _table(
        request,
        form,
        filters,
        title=title,
        items=lines,
        columns=LINE_COLUMNS,
        row=lambda line: _line_row(line, now),
        url=lambda line: _contract_url(line.contract_id),
        csv_name="sla-lines",
    )


CONTRACT_COLUMNS = [
    "contract",
    "revision",
    "customer",
    "status",
    "monthly fee",
    "currency",
    "start",
    "end",
    "renewal",
]


def _contract_row(contract) -> list:
    return [
        contract.number,
        contract.revision,
        contract.customer.name,
        contract.get_status_display(),
        contract.monthly_fee,
        contract.currency,
        contract.start_date,
        contract.end_date,
        contract.renewal_date,
    ]


@filtered_list
def contract_list(request, filters, form):
    """Contracts renewing soon, or exposed (signed with a risky line)."""
    renewal = request.GET.get("renewal")
    if renewal in selectors.RENEWAL_WINDOWS:
        contracts = selectors.renewing_contracts(filters, renewal, timezone.localdate())
        title = f"Signed contracts renewing in {selectors.RENEWAL_WINDOWS[renewal]}"
        order = ("renewal_date", "number")
    elif request.GET.get("exposure"):
        health = selectors.slo_health(filters)
        contracts = selectors.exposed_contracts(filters, health.at_risk_ids)
        title = "Signed contracts at risk (a line needing a waiver, drifted or on an at-risk SLO)"
        order = ("-monthly_fee", "number")
    else:
        contracts = selectors.scoped_contracts(filters)
        title, order = "Contracts", ("number", "revision")
    contracts = contracts.select_related("customer").order_by(*order)
    return _table(
        request,
        form,
        filters,
        title=title,
        items=contracts,
        columns=CONTRACT_COLUMNS,
        row=_contract_row,
        url=lambda contract: _contract_url(contract.pk),
        csv_name="contracts",
    )


CREDIT_COLUMNS = [
    "contract",
    "revision",
    "customer",
    "service",
    "indicator",
    "target %",
    "period",
    "periods breached",
    "credits owed",
    "currency",
    "rules behind the figures",
]


def _credit_row(item: selectors.LineCredit) -> list:
    line = item.line
    return [
        line.contract.number,
        line.contract.revision,
        line.contract.customer.name,
        line.indicator.service.name,
        line.indicator.name,
        fmt(line.target),
        line.get_period_display(),
        item.breaches,
        item.amount,
        line.contract.currency,
        _credit_rules(item),
    ]


def _credit_rules(item: selectors.LineCredit) -> str:
    """Which rule produced the breaches and which tier each credit: "2 × breached: below
    99.9 % target; 3 × credit: tier < 99.9 % → 10 % (1 of them met the target)"."""
    target = item.line.target
    breached = [p for p in item.periods if p.breached]
    parts = []
    if breached:
        rule = schedule_fit.breach_rule(breached[0].attainment, target)
        parts.append(f"{len(breached)} × {rule}")
    else:
        parts.append(f"no breach: every period ≥ {fmt(target)} % target")
    paid: dict[str, list] = {}
    for period in item.periods:
        if period.amount:
            rule = schedule_fit.credit_rule(item.tiers, period.attainment, item.cap_percent)
            paid.setdefault(rule, []).append(period)
    for rule, periods in paid.items():
        met = sum(1 for p in periods if not p.breached)
        text = f"{len(periods)} × {rule}"
        if met:
            text += f" ({met} of them met the target)"
        parts.append(text)
    return "; ".join(parts)


@filtered_list
def credit_list(request, filters, form):
    """Signed lines owing credits for the past periods of the chosen year or quarter."""
    items = selectors.lines_owing_credits(filters)
    return _table(
        request,
        form,
        filters,
        title=f"SLA lines owing credits in {filters.label}",
        items=items,
        columns=CREDIT_COLUMNS,
        row=_credit_row,
        url=lambda item: _contract_url(item.line.contract_id),
        csv_name=f"credits-{filters.label}",
        total_label=_totals(items),
    )


SLO_COLUMNS = [
    "service",
    "indicator",
    "SLO target %",
    "window",
    "window attainment",
    "budget left",
    "at risk",
    "why",
]


def _slo_row(slo, risk) -> list:
    budget = risk.budget
    return [
        slo.indicator.service.name,
        slo.indicator.name,
        fmt(slo.target),
        slo.get_window_display(),
        percent(budget.attainment),
        budget_left(budget.remaining),
        "yes" if risk.at_risk else "no",
        " ".join(risk.reasons),
    ]


@filtered_list
def slo_list(request, filters, form):
    """Active SLOs: all, with an exhausted budget, or at risk."""
    health = selectors.slo_health(filters)
    if request.GET.get("budget") == "exhausted":
        wanted, title = set(health.exhausted_ids), "SLOs whose error budget is exhausted"
    elif request.GET.get("risk"):
        wanted, title = set(health.at_risk_ids), "SLOs at risk (missed recently or budget spent)"
    else:
        wanted, title = {slo.pk for slo in health.slos}, "Active SLOs"
    return _table(
        request,
        form,
        filters,
        title=title,
        items=[slo for slo in health.slos if slo.pk in wanted],
        columns=SLO_COLUMNS,
        row=lambda slo: _slo_row(slo, health.risks[slo.pk]),
        url=lambda slo: reverse("slo-detail", args=[slo.pk]),
        csv_name="slos",
        paged=False,
    )


# --- drill-downs --------------------------------------------------------------------------------


@login_required
@require_GET
def browse(request):
    """The services and customers one can drill into."""
    access.check_drilldowns(request.user)
    services = Service.objects.select_related("team").order_by("name")
    customers = Customer.objects.order_by("name")
    return render(
        request,
        "dashboards/browse.html",
        {
            "services": services,
            "customers": customers,
            "portfolio": access.can_view_portfolio(request.user),
        },
    )


def _drilldown_page(request, template: str, subject, build, csv_name: str):
    filters, form = read_filters(request.GET)
    if filters is None:
        return _bad_filters(request, form, template, subject=subject)
    drilldown = build(subject, filters.year)
    tables = {panel.attainment.id: panel.attainment for panel in drilldown.panels}
    tables.update({panel.budget.id: panel.budget for panel in drilldown.panels if panel.budget})
    tables[drilldown.credits_chart.id] = drilldown.credits_chart
    if exports.wants_csv(request):
        table = request.GET.get("table")
        if table == "lines" or table not in tables:
            rows = (_line_row(line, None)[:-1] for line in drilldown.lines)
            return exports.csv_response(f"{csv_name}-lines", LINE_COLUMNS[:-1], rows)
        chart = tables[table]
        return exports.csv_response(f"{csv_name}-{table}-{filters.year}", chart.columns, chart.rows)
    context = {
        "form": form,
        "filters": filters,
        "years": _years(),
        "csv_url": f"?{_with(request, format='csv')}",
    }
    context.update(
        subject=subject,
        drilldown=drilldown,
        lines=[(line, _line_row(line, None)[:-1]) for line in drilldown.lines],
        line_columns=LINE_COLUMNS[:-1],
    )
    return render(request, template, context)


@login_required
@require_GET
def service_dashboard(request, slug: str):
    access.check_drilldowns(request.user)
    service = get_object_or_404(Service.objects.select_related("team"), slug=slug)
    return _drilldown_page(
        request, "dashboards/service.html", service, charts.service_drilldown, f"service-{slug}"
    )


@login_required
@require_GET
def customer_dashboard(request, pk: int):
    access.check_drilldowns(request.user)
    customer = get_object_or_404(Customer, pk=pk)
    return _drilldown_page(
        request,
        "dashboards/customer.html",
        customer,
        charts.customer_drilldown,
        f"customer-{pk}",
    )
