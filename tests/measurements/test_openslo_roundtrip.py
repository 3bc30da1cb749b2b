"""OpenSLO export: valid v1 YAML that imports back to the same catalog rows."""

from decimal import Decimal

import pytest
import yaml

from apps.catalog.choices import IndicatorKind, IndicatorSource
from apps.catalog.models import Indicator, Service
from apps.measurements.openslo import openslo_export, openslo_import
from apps.measurements.openslo.documents import parse
from apps.slos.choices import BudgetingMethod, SloStatus, SloWindow
from apps.slos.models import SLO
from tests.factories import IndicatorFactory, SLOFactory

INDICATOR_FIELDS = ("name", "kind", "threshold", "unit", "source", "good_query", "total_query")
SLO_FIELDS = (
    "name",
    "target",
    "window",
    "budgeting_method",
    "timeslice_target",
    "timezone",
    "status",
    "description",
)


@pytest.fixture
def catalog(payments, availability, latency):
    """A service with every kind of thing an export must carry."""
    payments.description = "Card payments."
    payments.save()
    availability.source = IndicatorSource.PROMETHEUS
    availability.good_query = 'sum(increase(http_requests_total{code!~"5.."}[5m]))'
    availability.total_query = "sum(increase(http_requests_total[5m]))"
    availability.save()
    latency.source = IndicatorSource.CSV
    latency.save()
    SLOFactory(indicator=availability, name="Availability 99.95", target=Decimal("99.95"))
    SLOFactory(
        indicator=availability,
        name="Availability stricter",
        target=Decimal("99.9995"),
        status=SloStatus.DRAFT,
        window=SloWindow.ROLLING_7D,
        timezone="Europe/Berlin",
    )
    SLOFactory(
        indicator=latency,
        name="",
        target=Decimal("99"),
        window=SloWindow.QUARTER,
        budgeting_method=BudgetingMethod.TIMESLICES,
        timeslice_target=Decimal("95.5"),
        timezone="Asia/Tokyo",
        description="Quarterly latency objective.",
    )
    SLOFactory(indicator=latency, name="Old", status=SloStatus.RETIRED)
    IndicatorFactory(service=payments, name="Quality (unused)", kind=IndicatorKind.QUALITY)
    return payments


def snapshot(service_slug: str) -> dict:
    service = Service.objects.get(slug=service_slug)
    indicators = {
        indicator.name: tuple(getattr(indicator, f) for f in INDICATOR_FIELDS)
        for indicator in Indicator.objects.filter(service=service)
    }
    slos = sorted(
        (slo.indicator.name, *(getattr(slo, f) for f in SLO_FIELDS))
        for slo in SLO.objects.filter(indicator__service=service).exclude(status="retired")
    )
    return {
        "service": (service.slug, service.name, service.description, service.team.name),
        "indicators": indicators,
        "slos": slos,
    }


def test_export_is_valid_openslo_with_one_document_per_object(catalog):
    text = openslo_export(service=catalog)

    documents = list(yaml.safe_load_all(text))
    assert [d["kind"] for d in documents] == ["Service", "SLI", "SLI", "SLI", "SLO", "SLO", "SLO"]
    assert all(d["apiVersion"] == "openslo/v1" for d in documents)
    active = documents[4]
    assert active["metadata"] == {"name": "availability-99-95", "displayName": "Availability 99.95"}
    assert active["spec"]["objectives"] == [{"target": 0.9995}]
    assert active["spec"]["timeWindow"] == [{"duration": "30d", "isRolling": True}]
    assert parse(text).warnings == []  # Covenant's own validator accepts it without a remark


def test_retired_slos_are_not_exported(catalog):
    assert "name: old" not in openslo_export(service=catalog)


def test_export_imports_back_to_the_same_rows_in_an_empty_catalog(catalog):
    before = snapshot("payments-api")
    text = openslo_export(service=catalog)
    SLO.objects.all().delete()
    Indicator.objects.all().delete()
    Service.objects.all().delete()

    report = openslo_import(text=text)

    after = snapshot("payments-api")
    blank_named = [slo for slo in before["slos"] if slo[1] == ""]
    assert len(blank_named) == 1  # an SLO without a name comes back named after its export name
    before["slos"] = [
        (slo[0], "latency-p99-under-300-ms-quarter", *slo[2:]) if slo[1] == "" else slo
        for slo in before["slos"]
    ]
    assert after == {**before, "slos": sorted(before["slos"])}
    assert [w.split(": ", 1)[1] for w in report.warnings] == [
        "SLO 'availability-stricter' imported as a draft: payments-api/Availability already has "
        "an active SLO"
    ]


def test_importing_an_export_into_the_same_catalog_changes_nothing(catalog):
    before = snapshot("payments-api")

    report = openslo_import(text=openslo_export(service=catalog))

    assert sum(report.created.values()) == sum(report.updated.values()) == 0
    assert dict(report.unchanged) == {"services": 1, "indicators": 3, "slos": 3}
    assert snapshot("payments-api") == before
