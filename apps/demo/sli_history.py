"""A year of believable SLI history for the demo: diurnal traffic, incidents, a few bad months.

Every indicator with an active SLO gets hourly samples. Ordinary hours spend a small, noisy
share of the SLO's error budget; a few incidents per quarter spend more; up to two "bad
months" per indicator spend several budgets, so that some SLAs would have breached. Exactly one
SLO gets its bad month in the last full month, so it is AT_RISK; every other bad month lies
further back. The same seed and end give the same samples, on any database.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from apps.catalog.choices import IndicatorKind
from apps.measurements.maths import add_months
from apps.measurements.services import SampleRow, samples_upsert
from apps.slos.choices import SloStatus
from apps.slos.models import SLO

HOUR = timedelta(hours=1)
BATCH = 24 * 366
# Events per hour at the daily peak, by kind: requests for services, tickets for support desks.
PEAK_VOLUME = {
    IndicatorKind.SUPPORT_RESPONSE: (4, 12),
    IndicatorKind.SUPPORT_RESOLUTION: (4, 12),
}
DEFAULT_PEAK = (20_000, 60_000)


@dataclass(frozen=True)
class SeedResult:
    """What seed_sli_history wrote."""

    indicators: int
    samples: int
    at_risk: str | None


@dataclass(frozen=True)
class Incident:
    start: datetime
    hours: int
    bad_ratio: float


def _traffic(rng: random.Random, hour: datetime, peak: int) -> int:
    """Diurnal (trough at 04:00 UTC, peak at 16:00) and weekly (quieter weekends) traffic."""
    daily = 0.55 + 0.45 * math.sin(2 * math.pi * (hour.hour - 10) / 24)
    weekly = 0.7 if hour.weekday() >= 5 else 1.0
    return max(0, round(peak * daily * weekly * rng.uniform(0.9, 1.1)))


def _incidents(
    rng: random.Random, start: datetime, end: datetime, budget: float, bad_months: list
) -> list[Incident]:
    """0–2 short incidents a month (about three a quarter), each spending 5–20 % of a month's
    budget, so that an ordinary month stays within it; plus one long incident in each bad month
    spending 3–4.5 months' budgets, which breaks an SLA with the default 2× buffer."""
    incidents = []
    month = _month_start(start)
    while month < end:
        for _ in range(rng.choice((0, 1, 1, 2))):
            hours = rng.randint(1, 4)
            spend = rng.uniform(0.05, 0.20) * budget * 720
            at = month + HOUR * rng.randrange(0, 24 * 27)
            incidents.append(Incident(at, hours, min(1.0, spend / hours)))
        month = _month_start(add_months(month.date(), 1))
    for month_start in bad_months:
        # Whole days, so that the diurnal trough cannot hide it; long enough to stay below a
        # 60 % bad ratio (a support desk's backlog lasts days, an outage hours).
        spend = rng.uniform(3.0, 4.5) * budget * 720
        days = max(rng.randint(1, 2), math.ceil(spend / (24 * 0.6)))
        at = month_start + timedelta(days=rng.randrange(1, max(2, 28 - days)))
        incidents.append(Incident(at, 24 * days, spend / (24 * days)))
    return incidents


def _incident_hours(incidents: list[Incident]) -> dict[datetime, float]:
    """Bad ratio of every hour an incident covers (a later incident wins an overlap)."""
    return {
        incident.start + HOUR * offset: incident.bad_ratio
        for incident in incidents
        for offset in range(incident.hours)
    }


def _rows_for(
    slo: SLO, rng: random.Random, start: datetime, end: datetime, bad_months: list
) -> list[SampleRow]:
    budget = float(1 - Decimal(slo.target) / 100)
    low, high = PEAK_VOLUME.get(slo.indicator.kind, DEFAULT_PEAK)
    peak = rng.randint(low, high)
    # Ordinary hours spend 15–40 % of the budget: the SLO is met comfortably most months.
    baseline = budget * rng.uniform(0.15, 0.40)
    incidents = _incident_hours(_incidents(rng, start, end, budget, bad_months))
    rows = []
    hour = start
    while hour < end:
        total = _traffic(rng, hour, peak)
        if total:
            ratio = incidents.get(hour)
            if ratio is None:
                ratio = baseline * rng.uniform(0.2, 1.8)
            bad = min(total, round(total * ratio + rng.random() - 0.5))
            rows.append(SampleRow(slo.indicator_id, hour, hour + HOUR, total - max(bad, 0), total))
        hour += HOUR
    return rows


def _month_start(day) -> datetime:
    return datetime(day.year, day.month, 1, tzinfo=UTC)


def seed_sli_history(*, days: int = 365, seed: int = 42, end: datetime | None = None) -> SeedResult:
    """Write ``days`` of hourly samples up to ``end`` (default: this hour) for every indicator
    with an active SLO; re-running replaces the same buckets (samples are upserted)."""
    end = (end or timezone.now()).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    slos = sorted(
        SLO.objects.filter(status=SloStatus.ACTIVE).select_related("indicator__service"),
        key=lambda slo: (slo.indicator.service.slug, slo.indicator.name),
    )
    if not slos:
        return SeedResult(0, 0, None)
    chooser = random.Random(f"covenant-demo-{seed}")
    at_risk = chooser.choice(slos)
    last_full_month = _month_start(add_months(end.date(), -1))
    older = [_month_start(add_months(end.date(), -k)) for k in range(4, 12)]
    older = [month for month in older if month >= start]
    written = 0
    for slo in slos:
        rng = random.Random(f"{seed}-{slo.indicator.service.slug}-{slo.indicator.name}")
        if slo is at_risk:
            bad_months = [last_full_month]
        else:
            bad_months = rng.sample(older, k=min(len(older), rng.choice((0, 1, 1, 2))))
        rows = _rows_for(slo, rng, start, end, bad_months)
        for first in range(0, len(rows), BATCH):
            samples_upsert(rows=rows[first : first + BATCH])
        written += len(rows)
    return SeedResult(len(slos), written, str(at_risk.indicator))
