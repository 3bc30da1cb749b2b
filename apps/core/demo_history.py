"""A year of daily SLI samples for the demo, so that attainment, budgets, backtests and the
dashboards have something to show. Deterministic: the same day gets the same counts.

Most days spend a fraction of the error budget; an incident every few weeks spends several days'
worth. The Billing Ledger has incidents often enough to miss its own SLO (AT_RISK in the demo).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from apps.catalog.choices import IndicatorKind
from apps.measurements.models import SLISample
from apps.measurements.services import SampleRow, samples_upsert
from apps.slos.choices import SloStatus
from apps.slos.models import SLO

DAYS = 365
# Events per day by kind: requests for services, tickets for the support desk.
DAILY_EVENTS = {IndicatorKind.SUPPORT_RESPONSE: 40, IndicatorKind.SUPPORT_RESOLUTION: 40}
DEFAULT_DAILY_EVENTS = 2_000_000
# Days between incidents, by service; others have one about every six weeks.
INCIDENT_EVERY = {"billing-ledger": 9}


def _daily_counts(slo: SLO, days: list[datetime]) -> list[SampleRow]:
    indicator = slo.indicator
    rng = random.Random(f"{indicator.service.slug}/{indicator.name}")
    budget = 1 - float(slo.target) / 100
    total = DAILY_EVENTS.get(indicator.kind, DEFAULT_DAILY_EVENTS)
    every = INCIDENT_EVERY.get(indicator.service.slug, 42)
    rows = []
    for number, start in enumerate(days):
        spent = rng.uniform(0.1, 0.6)  # a normal day: part of the day's budget
        if number % every == rng.randrange(every):
            spent += rng.uniform(4, 10)  # an incident: several days' worth
        bad = min(total, round(total * budget * spent))
        rows.append(SampleRow(indicator.pk, start, start + timedelta(days=1), total - bad, total))
    return rows


def seed_sli_history(demo) -> None:
    """Daily good/total counts for the last year on every indicator with an active SLO."""
    today = timezone.localdate()
    first = datetime.combine(today - timedelta(days=DAYS), time.min, tzinfo=UTC)
    days = [first + timedelta(days=n) for n in range(DAYS)]
    measured = set(SLISample.objects.values_list("indicator_id", flat=True).distinct())
    slos = SLO.objects.filter(status=SloStatus.ACTIVE).select_related("indicator__service")
    rows = []
    for slo in slos.exclude(indicator_id__in=measured):
        rows.extend(_daily_counts(slo, days))
    demo.created["SLI samples"] = samples_upsert(rows=rows).created
