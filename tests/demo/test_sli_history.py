"""A year of demo SLI history: fast, deterministic, with breaches in history and one SLO at risk."""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from apps.catalog.choices import IndicatorKind
from apps.contracts.backtest import run_backtest
from apps.demo.sli_history import seed_sli_history
from apps.measurements.models import SLISample
from apps.measurements.risk import slo_history, slo_risks
from apps.slos.alignment import Policy, safe_maximum
from apps.slos.choices import BudgetingMethod, SloStatus
from tests.factories import IndicatorFactory, ServiceFactory, SLOFactory

pytestmark = pytest.mark.django_db
END = datetime(2026, 11, 15, 12, tzinfo=UTC)
KINDS = [
    (IndicatorKind.AVAILABILITY, "99.9"),
    (IndicatorKind.LATENCY, "99.5"),
    (IndicatorKind.SUPPORT_RESPONSE, "95"),
]


@pytest.fixture
def catalog(db):
    """Four services with three SLOs each, and one indicator without an active SLO."""
    slos = []
    for number in range(4):
        service = ServiceFactory(slug=f"demo-{number}")
        for kind, target in KINDS:
            indicator = IndicatorFactory(service=service, name=f"{kind} {number}", kind=kind)
            slos.append(SLOFactory(indicator=indicator, target=Decimal(target)))
    draft = SLOFactory(
        indicator=IndicatorFactory(service=service, name="draft"), status=SloStatus.DRAFT
    )
    return slos, draft.indicator


def _totals():
    return SLISample.objects.aggregate(good=Sum("good"), total=Sum("total"))


def test_a_year_is_written_quickly_with_breaches_in_history_and_one_slo_at_risk(catalog):
    slos, unmeasured = catalog

    began = time.perf_counter()
    result = seed_sli_history(days=365, seed=42, end=END)
    elapsed = time.perf_counter() - began

    print(f"seeded {result.samples} samples for {result.indicators} indicators in {elapsed:.1f} s")
    assert result.indicators == 12
    # About 10 s on an idle laptop with SQLite (the aim is under 15 s); the bound is loose for
    # busy CI machines but still catches a per-row insert or a query per sample.
    assert elapsed < 60
    assert SLISample.objects.count() == result.samples
    assert not SLISample.objects.filter(indicator=unmeasured).exists()
    starts = SLISample.objects.order_by("start").values_list("start", flat=True)
    assert starts.first() >= END - timedelta(days=365)
    assert starts.last() < END

    risks = slo_risks(slos, at=END)
    at_risk = [slo for slo in slos if risks[slo.pk].at_risk]
    assert [str(slo.indicator) for slo in at_risk] == [result.at_risk]
    assert risks[at_risk[0].pk].missed[0].period_start.month == 10

    # Each SLA promised at the most the default policy allows, replayed on 11 full months.
    history = slo_history(slos, count=11, at=END)
    breached = 0
    for slo in slos:
        months = [(p.period_start, p.attainment) for p in history[slo.pk]]
        sla = safe_maximum(slo.target, Policy())
        backtest = run_backtest(months, target=sla, tiers=[], cap_percent=None, monthly_fee=0)
        assert backtest.periods_with_data == 11
        breached += backtest.breaches > 0
    assert 2 <= breached < len(slos)


def test_the_same_seed_writes_the_same_history(catalog):
    seed_sli_history(days=60, seed=7, end=END)
    before = _totals()
    seed_sli_history(days=60, seed=7, end=END)
    assert _totals() == before
    seed_sli_history(days=60, seed=8, end=END)
    assert _totals() != before


def test_timeslices_slos_are_seeded_too(catalog):
    slos, _ = catalog
    slo = slos[0]
    slo.budgeting_method = BudgetingMethod.TIMESLICES
    slo.timeslice_target = Decimal("99")
    slo.save()
    result = seed_sli_history(days=7, seed=1, end=END)
    assert result.indicators == 12
    assert SLISample.objects.filter(indicator=slo.indicator).count() == 7 * 24
