"""Reads about SLOs: which SLOs back an indicator, which policy applies, and the verdict."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from apps.catalog.models import Indicator

from . import alignment
from .choices import SloStatus
from .models import SLO, BufferPolicy, threshold_order

# Whether an SLO is itself being missed (AT_RISK) is measured, a layer above this one: the
# measurements app registers its reader here at start-up (MeasurementsConfig.ready). It takes
# SLOs and answers, by SLO id, an object with ``at_risk`` and ``reasons``.
RiskReader = Callable[[Iterable[SLO]], Mapping[int, object]]
_risk_reader: RiskReader | None = None


def register_risk_reader(reader: RiskReader) -> None:
    global _risk_reader
    _risk_reader = reader


def _measured_risks(slos: Iterable[SLO]) -> Mapping[int, object]:
    return {} if _risk_reader is None else _risk_reader(slos)


def policy_for_service(service_id: int | None) -> alignment.Policy:
    """The service's override if it has one, else the global policy, else the defaults."""
    policies = {
        p.service_id: p
        for p in BufferPolicy.objects.filter(Q(service_id=service_id) | Q(service__isnull=True))
    }
    chosen = policies.get(service_id) or policies.get(None)
    return chosen.policy if chosen else alignment.Policy()


def global_policy() -> BufferPolicy:
    """The global buffer policy row, created with the defaults when missing."""
    policy, _ = BufferPolicy.objects.get_or_create(service=None)
    return policy


def active_slos_for(indicator: Indicator):
    """Active SLOs of the same service and indicator kind (what can back an SLA line)."""
    return SLO.objects.filter(
        status=SloStatus.ACTIVE,
        indicator__service_id=indicator.service_id,
        indicator__kind=indicator.kind,
    ).select_related("indicator")


@dataclass(frozen=True)
class AlignmentResult:
    """The verdict of one SLA target on one indicator, with the SLO that decided it."""

    alignment: alignment.Alignment
    slo: SLO | None
    policy: alignment.Policy
    safe_maximum: Decimal | None
    # Beside the verdict on paper, the data: the SLO itself missed in recent periods.
    at_risk: bool = False
    at_risk_reasons: tuple[str, ...] = ()

    @property
    def verdict(self) -> alignment.Verdict:
        return self.alignment.verdict


def evaluate_alignment(
    indicator: Indicator,
    target: Decimal,
    *,
    slos: list[SLO] | None = None,
    policy=None,
    check_risk: bool = True,
    risks: Mapping | None = None,
) -> AlignmentResult:
    """Align a target on an indicator with the best active SLO of its service and kind.

    ``slos`` and ``policy`` may be passed in by callers that evaluate many lines at once.
    AT_RISK reads measurements: two queries for the chosen SLO. Callers evaluating many lines
    either pass ``check_risk=False`` (verdict only) or precompute
    ``risks = apps.measurements.risk.slo_risks(slos)`` once (two queries for all) and pass it.
    """
    if slos is None:
        slos = list(active_slos_for(indicator))
    if policy is None:
        policy = policy_for_service(indicator.service_id)
    sla = alignment.Objective(Decimal(target), indicator.threshold)
    slo, result = alignment.best_alignment(
        sla, [(slo, slo.objective) for slo in slos], policy, threshold_order(indicator.kind)
    )
    safe = alignment.safe_maximum(slo.target, policy) if slo is not None else None
    risk = None
    if slo is not None and risks is not None:
        risk = risks.get(slo.pk)
    elif slo is not None and check_risk:
        risk = _measured_risks([slo]).get(slo.pk)
    if risk is None:
        return AlignmentResult(result, slo, policy, safe)
    return AlignmentResult(result, slo, policy, safe, risk.at_risk, risk.reasons)


class AlignmentBatch:
    """Evaluates many lines with a fixed number of queries, whatever their number.

    The active SLOs and buffer policies of the indicators' services are loaded once, and (with
    ``check_risk``) the SLOs' recent measurements for AT_RISK; each evaluation then runs the pure
    alignment maths on what is already loaded. Lists, detectors, caches and packets all use it.
    """

    def __init__(self, indicators, *, check_risk: bool = True):
        service_ids = {indicator.service_id for indicator in indicators}
        self.slos: dict[tuple[int, str], list[SLO]] = defaultdict(list)
        for slo in SLO.objects.filter(
            status=SloStatus.ACTIVE, indicator__service_id__in=service_ids
        ).select_related("indicator"):
            self.slos[(slo.indicator.service_id, slo.indicator.kind)].append(slo)
        self.policies = {
            row.service_id: row.policy
            for row in BufferPolicy.objects.filter(
                Q(service_id__in=service_ids) | Q(service__isnull=True)
            )
        }
        self.check_risk = check_risk
        self.risks: Mapping | None = None
        if check_risk:
            self.risks = _measured_risks([slo for group in self.slos.values() for slo in group])

    def policy_for(self, service_id: int | None) -> alignment.Policy:
        """The service's override, else the global policy, else the defaults."""
        return self.policies.get(service_id) or self.policies.get(None) or alignment.Policy()

    def evaluate(self, indicator: Indicator, target: Decimal) -> AlignmentResult:
        return evaluate_alignment(
            indicator,
            target,
            slos=self.slos[(indicator.service_id, indicator.kind)],
            policy=self.policy_for(indicator.service_id),
            check_risk=self.check_risk,
            risks=self.risks,
        )
