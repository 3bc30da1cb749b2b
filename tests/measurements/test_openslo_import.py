"""OpenSLO import into the catalog: all or nothing, owner teams, SLO status, and re-imports."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from apps.catalog.choices import IndicatorKind, IndicatorSource
from apps.catalog.models import Indicator, Service
from apps.measurements.openslo import OpenSLOError, openslo_import
from apps.slos.choices import BudgetingMethod, SloStatus, SloWindow
from apps.slos.models import SLO
from tests.factories import SLOFactory

from .test_openslo_validation import SLO as CHECKOUT_SLO

SERVICE = """\
apiVersion: openslo/v1
kind: Service
metadata:
  name: checkout
  displayName: Checkout
  labels:
    team: payments
spec:
  description: Takes the money.
---
"""
SLI = """\
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: checkout-latency
  displayName: Checkout under 300 ms
  annotations:
    covenant/kind: latency
    covenant/threshold: "300"
    covenant/unit: ms
spec:
  ratioMetric:
    good:
      metricSource:
        type: Prometheus
        spec:
          query: sum(increase(checkout_seconds_bucket{le="0.3"}[5m]))
    total:
      metricSource:
        type: Prometheus
        spec:
          query: sum(increase(checkout_seconds_count[5m]))
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-latency-monthly
spec:
  service: checkout
  indicatorRef: checkout-latency
  timeWindow:
    - duration: 1M
      calendar:
        startTime: 2024-01-01 00:00:00
        timeZone: Europe/Paris
  budgetingMethod: Timeslices
  objectives:
    - target: 0.99
      timeSliceTarget: 0.95
      timeSliceWindow: 5m
"""
FILE = SERVICE + CHECKOUT_SLO + SLI


def test_import_creates_the_service_its_indicators_and_slos(payments_team):
    report = openslo_import(text=FILE)

    service = Service.objects.get(slug="checkout")
    assert (service.name, service.description, service.team) == (
        "Checkout",
        "Takes the money.",
        payments_team,
    )
    requests = Indicator.objects.get(service=service, name="checkout-requests")
    assert requests.source == IndicatorSource.PROMETHEUS
    assert requests.total_query == "sum(increase(http_requests_total[5m]))"
    latency = Indicator.objects.get(service=service, name="Checkout under 300 ms")
    assert (latency.kind, latency.threshold, latency.unit) == (
        IndicatorKind.LATENCY,
        Decimal("300"),
        "ms",
    )
    availability = SLO.objects.get(indicator=requests)
    assert (availability.name, availability.target, availability.window) == (
        "Checkout availability",
        Decimal("99.9"),
        SloWindow.ROLLING_28D,
    )
    assert availability.status == SloStatus.ACTIVE
    monthly = SLO.objects.get(indicator=latency)
    assert (monthly.window, monthly.timezone, monthly.budgeting_method) == (
        SloWindow.MONTH,
        "Europe/Paris",
        BudgetingMethod.TIMESLICES,
    )
    assert (monthly.target, monthly.timeslice_target) == (Decimal("99"), Decimal("95"))
    assert dict(report.created) == {"services": 1, "indicators": 2, "slos": 2}
    assert "created service checkout: team Payments, from its team label" in report.actions


def test_import_records_the_user_and_reason_in_history(bob):
    openslo_import(text=FILE, user=bob)

    record = SLO.objects.get(name="Checkout availability").history.get()
    assert (record.history_user, record.history_change_reason) == (bob, "OpenSLO import")


def test_importing_the_same_file_again_changes_nothing(payments_team):
    openslo_import(text=FILE)
    history_before = SLO.history.count()

    again = openslo_import(text=FILE)

    assert sum(again.created.values()) == sum(again.updated.values()) == 0
    assert dict(again.unchanged) == {"services": 1, "indicators": 2, "slos": 2}
    assert SLO.history.count() == history_before


def test_a_changed_target_updates_the_same_slo(payments_team):
    openslo_import(text=FILE)

    report = openslo_import(text=FILE.replace("target: 0.999", "target: 0.9995"))

    slo = SLO.objects.get(name="Checkout availability")
    assert slo.target == Decimal("99.95")
    assert slo.version == 2
    assert report.updated["slos"] == 1
    assert SLO.objects.count() == 2


def test_one_bad_document_imports_nothing(payments_team):
    broken = FILE.replace("target: 0.99\n", "target: 0.99\n      op: gt\n")

    with pytest.raises(OpenSLOError) as raised:
        openslo_import(text=broken)

    assert raised.value.messages == [
        "line 78: spec.objectives[0].op: forbidden: op and value compare a thresholdMetric; a "
        "ratioMetric objective has only a target"
    ]
    assert not Service.objects.filter(slug="checkout").exists()
    assert not Indicator.objects.exists()


def test_a_failure_found_while_writing_rolls_back_what_was_written(payments_team):
    unknown_ref = FILE.replace("indicatorRef: checkout-latency", "indicatorRef: checkout-errors")

    with pytest.raises(OpenSLOError) as raised:
        openslo_import(text=unknown_ref)

    assert raised.value.messages == [
        "line 69: spec.indicatorRef: no SLI 'checkout-errors' in this file or on service 'checkout'"
    ]
    assert not Service.objects.exists()


def test_dry_run_reports_without_writing(payments_team):
    report = openslo_import(text=FILE, dry_run=True)

    assert report.dry_run
    assert report.created["slos"] == 2
    assert not Service.objects.exists()
    assert not SLO.objects.exists()


def test_a_new_slo_on_an_indicator_with_an_active_slo_goes_in_as_a_draft(payments_team):
    openslo_import(text=FILE)
    second = CHECKOUT_SLO.replace("checkout-availability", "checkout-availability-strict")
    second = second.replace("Checkout availability", "Strict").replace("0.999", "0.9999")

    report = openslo_import(text=second)

    assert SLO.objects.get(name="Strict").status == SloStatus.DRAFT
    assert SLO.objects.get(name="Checkout availability").status == SloStatus.ACTIVE
    assert report.warnings == [
        "line 1: SLO 'checkout-availability-strict' imported as a draft: "
        "checkout/checkout-requests already has an active SLO"
    ]


class TestOwnerTeam:
    def test_without_a_label_the_team_option_decides_and_the_report_says_so(self, search_team):
        report = openslo_import(text=CHECKOUT_SLO, team=search_team)

        assert Service.objects.get(slug="checkout").team == search_team
        assert report.actions[0] == (
            "created service checkout (named by an SLO, not defined in the file): team Search, "
            "from the team option"
        )

    def test_the_importers_only_team_is_the_default(self, bob, payments_team):
        report = openslo_import(text=CHECKOUT_SLO, user=bob)

        assert Service.objects.get(slug="checkout").team == payments_team
        assert report.actions[0].endswith("team Payments, your only team")

    def test_no_team_at_all_is_a_clear_error(self, db):
        with pytest.raises(OpenSLOError) as raised:
            openslo_import(text=CHECKOUT_SLO)

        assert raised.value.messages == [
            "line 1: metadata.labels.team: a new service needs an owner team: add a team label "
            "or give the team option"
        ]

    def test_an_unknown_team_label_is_refused(self, db):
        with pytest.raises(
            OpenSLOError, match=r"line 7: metadata.labels.team: no team named .platform."
        ):
            openslo_import(text=SERVICE.replace("team: payments", "team: platform"))

    def test_an_engineer_cannot_import_into_another_teams_service(self, erin, payments_team):
        with pytest.raises(PermissionDenied, match="would belong to Payments"):
            openslo_import(text=FILE, user=erin)
        assert not Service.objects.exists()

    def test_an_engineer_cannot_change_another_teams_existing_service(self, erin, payments):
        text = SERVICE.replace("name: checkout\n", "name: payments-api\n").replace(
            "team: payments", "team: search"
        )

        with pytest.raises(PermissionDenied, match="'payments-api' belongs to Payments"):
            openslo_import(text=text, user=erin)

    def test_an_import_never_moves_an_existing_service_to_another_team(self, payments, search_team):
        text = SERVICE.replace("name: checkout\n", "name: payments-api\n").replace(
            "team: payments", "team: search"
        )

        report = openslo_import(text=text)

        payments.refresh_from_db()
        assert payments.team.name == "Payments"
        assert report.warnings == [
            "line 7: metadata.labels.team: ignored: service 'payments-api' stays with Payments "
            "(an import never moves ownership)"
        ]


def test_user_without_engineering_permissions_may_not_import(alice):
    with pytest.raises(PermissionDenied, match=r"catalog\.add_service"):
        openslo_import(text=FILE, user=alice)


def test_an_slo_may_refer_to_an_indicator_already_in_the_catalog(availability):
    text = (
        CHECKOUT_SLO.replace("service: checkout", "service: payments-api").split("  indicator:\n")[
            0
        ]
        + "  indicatorRef: availability\n"
        + CHECKOUT_SLO.split("  timeWindow:\n")[1].join(["  timeWindow:\n", ""])
    )

    openslo_import(text=text)

    slo = SLO.objects.get(name="Checkout availability")
    assert slo.indicator == availability
    assert slo.status == SloStatus.ACTIVE


def test_an_existing_active_slo_is_updated_in_place_not_duplicated(availability):
    existing = SLOFactory(indicator=availability, name="Availability", target=Decimal("99.5"))
    text = (
        CHECKOUT_SLO.replace("service: checkout", "service: payments-api")
        .replace("name: checkout-availability", "name: availability")
        .replace("  displayName: Checkout availability\n", "")
        .split("  indicator:\n")[0]
        + "  indicatorRef: availability\n"
        + CHECKOUT_SLO.split("  timeWindow:\n")[1].join(["  timeWindow:\n", ""])
    )

    openslo_import(text=text)

    existing.refresh_from_db()
    assert existing.target == Decimal("99.9")
    assert SLO.objects.filter(indicator=availability).count() == 1
