"""Detectors cost a fixed number of queries whatever the number of signed lines."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.contracts.choices import ContractStatus
from apps.contracts.models import Waiver
from apps.drift.models import DriftEvent
from apps.drift.services import (
    drift_detect_attainment,
    drift_detect_expired_waivers,
    drift_on_slo_change,
)
from apps.measurements.services import SampleRow, samples_upsert
from apps.slos.choices import SloStatus
from tests.factories import CommitmentFactory, ContractFactory


def _signed_lines(count, *, owner, indicator, target, dave=None):
    lines = []
    for _ in range(count):
        contract = ContractFactory(
            owner=owner, status=ContractStatus.SIGNED, start_date="2025-01-01"
        )
        line = CommitmentFactory(contract=contract, indicator=indicator, target=target)
        if dave is not None:
            Waiver.objects.create(
                commitment=line,
                justification="Strategic.",
                expires_on=date(2026, 3, 31),
                granted_by=dave,
            )
        lines.append(line)
    return lines


def _count(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


@pytest.mark.parametrize("lines", [3, 30])
def test_loosening_an_slo_flags_any_number_of_lines_in_the_same_queries(
    lines, alice, carol, availability, slo, django_assert_num_queries
):
    _signed_lines(lines, owner=alice, indicator=availability, target="99.8")
    slo.target = Decimal("99.85")
    slo.save(update_fields=["target"])  # the hook runs here too: measure it alone below
    DriftEvent.objects.all().delete()

    # Lines, SLOs, policies, recorded events, insert events, channels, legal group, insert
    # deliveries and read back the ones to send; plus two savepoints and their releases (the
    # test's transaction around it).
    with django_assert_num_queries(13):
        events = drift_on_slo_change(
            slo=slo, previous_target=Decimal("99.9"), previous_status=SloStatus.ACTIVE
        )
    assert len(events) == lines


def test_expired_waiver_detection_costs_the_same_for_3_and_30_lines(
    alice, carol, dave, availability, slo
):
    _signed_lines(3, owner=alice, indicator=availability, target="99.95", dave=dave)
    with time_machine.travel("2026-04-01 01:00Z", tick=False):
        few = _count(drift_detect_expired_waivers)
        _signed_lines(27, owner=alice, indicator=availability, target="99.95", dave=dave)
        DriftEvent.objects.all().delete()
        many = _count(drift_detect_expired_waivers)
        again = _count(drift_detect_expired_waivers)

    assert DriftEvent.objects.count() == 30
    assert few == many
    assert again == 4  # lines, SLOs, policies, recorded events: nothing new, nothing written


def test_attainment_detection_costs_the_same_for_3_and_30_lines(alice, carol, availability, slo):
    start = datetime(2026, 3, 1, tzinfo=UTC)
    samples_upsert(
        rows=[
            SampleRow(
                availability.pk,
                start + timedelta(hours=h),
                start + timedelta(hours=h + 1),
                990,
                1000,
            )
            for h in range(48)
        ]
    )
    _signed_lines(3, owner=alice, indicator=availability, target="99.8")
    with time_machine.travel("2026-04-02 01:00Z", tick=False):
        few = _count(drift_detect_attainment)
        _signed_lines(27, owner=alice, indicator=availability, target="99.8")
        DriftEvent.objects.all().delete()
        many = _count(drift_detect_attainment)
        again = _count(drift_detect_attainment)

    assert DriftEvent.objects.count() == 30
    assert few == many
    assert again == 3  # lines, one GROUP BY over the samples, recorded events
