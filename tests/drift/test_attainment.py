"""A signed SLA whose last full period measured below target is drift, once per period."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine
from django.core import mail

from apps.contracts.choices import ContractStatus
from apps.drift.choices import DriftKind
from apps.drift.models import DriftEvent
from apps.drift.services import drift_detect_attainment
from apps.drift.tasks import detect_attainment
from apps.measurements.services import SampleRow, samples_upsert
from tests.factories import CommitmentFactory, ContractFactory


def _hours(indicator, first: datetime, hours: int, good: int, total: int = 1000):
    samples_upsert(
        rows=[
            SampleRow(
                indicator_id=indicator.pk,
                start=first + timedelta(hours=h),
                end=first + timedelta(hours=h + 1),
                good=good,
                total=total,
            )
            for h in range(hours)
        ]
    )


MARCH = datetime(2026, 3, 10, tzinfo=UTC)
APRIL = datetime(2026, 4, 10, tzinfo=UTC)


def test_a_month_below_the_sla_flags_the_line(
    signed_line, availability, django_capture_on_commit_callbacks
):
    _hours(availability, MARCH, 4, good=995)  # 99.5 % against the 99.8 % SLA

    with (
        time_machine.travel("2026-04-02 01:00Z", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        flagged = detect_attainment.delay().get()

    assert flagged == 1
    event = DriftEvent.objects.get()
    assert (event.commitment, event.kind) == (signed_line, DriftKind.ATTAINMENT_BELOW)
    assert event.event_key == "month-2026-03-01"
    assert event.details["attainment"] == "99.5000"
    assert (event.details["good"], event.details["total"]) == (3980, 4000)
    assert "99.5 % for the month starting 2026-03-01 is below the signed SLA 99.8 %" in (
        event.summary
    )
    assert len(mail.outbox) == 2


def test_the_same_period_is_not_flagged_twice_but_the_next_breach_is_new(
    signed_line, availability, django_capture_on_commit_callbacks
):
    _hours(availability, MARCH, 4, good=995)
    _hours(availability, APRIL, 4, good=990)

    for instant in ("2026-04-02 01:00Z", "2026-04-03 01:00Z", "2026-05-02 01:00Z"):
        with (
            time_machine.travel(instant, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            drift_detect_attainment()

    keys = sorted(DriftEvent.objects.values_list("event_key", flat=True))
    assert keys == ["month-2026-03-01", "month-2026-04-01"]
    assert len(mail.outbox) == 4


def test_a_month_that_met_the_sla_or_had_no_data_flags_nothing(signed_line, availability):
    _hours(availability, MARCH, 4, good=999)  # 99.9 % ≥ 99.8 %

    with time_machine.travel("2026-04-02 01:00Z", tick=False):
        assert drift_detect_attainment() == []
    with time_machine.travel("2026-05-02 01:00Z", tick=False):
        assert drift_detect_attainment() == []  # April: no data is never a breach


def test_periods_follow_the_contract_timezone(alice, carol, availability, slo):
    utc = ContractFactory(owner=alice, status=ContractStatus.SIGNED, start_date="2025-01-01")
    auckland = ContractFactory(
        owner=alice,
        legal_reviewer=carol,
        status=ContractStatus.SIGNED,
        start_date="2025-01-01",
        timezone="Pacific/Auckland",
    )
    utc_line = CommitmentFactory(contract=utc, indicator=availability, target="99.8")
    CommitmentFactory(contract=auckland, indicator=availability, target="99.8")
    _hours(availability, MARCH, 4, good=1000)
    # 31 March 12:00 UTC is already 1 April in Auckland: March there was clean.
    _hours(availability, datetime(2026, 3, 31, 12, tzinfo=UTC), 1, good=900)

    with time_machine.travel("2026-04-01 12:30Z", tick=False):
        events = drift_detect_attainment()

    assert [event.commitment for event in events] == [utc_line]


def test_quarterly_lines_are_judged_on_the_last_full_quarter(signed_contract, availability, slo):
    line = CommitmentFactory(
        contract=signed_contract, indicator=availability, target="99.8", period="quarter"
    )
    _hours(availability, datetime(2026, 2, 1, tzinfo=UTC), 4, good=990)

    with time_machine.travel("2026-04-02 01:00Z", tick=False):
        [event] = drift_detect_attainment()

    assert (event.commitment, event.event_key) == (line, "quarter-2026-01-01")


def test_periods_before_the_contract_started_are_not_its_drift(alice, availability, slo):
    late = ContractFactory(owner=alice, status=ContractStatus.SIGNED, start_date="2026-04-01")
    CommitmentFactory(contract=late, indicator=availability, target=Decimal("99.8"))
    _hours(availability, MARCH, 4, good=900)

    with time_machine.travel("2026-04-02 01:00Z", tick=False):
        assert drift_detect_attainment() == []
