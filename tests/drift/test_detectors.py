"""The pure rules of drift and the webhook signature, property-tested."""

import hashlib
import hmac
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from apps.drift import detectors
from apps.notifications import signing
from apps.slos.alignment import Verdict

targets = st.decimals(min_value=Decimal("0.0001"), max_value=100, places=4)
statuses = st.sampled_from(["draft", "active", "retired"])
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
periods = st.sampled_from(["month", "quarter"])


@given(previous=targets, target=targets, status=statuses, previous_status=statuses)
def test_only_an_slo_that_was_active_can_drift_anything(previous, target, status, previous_status):
    kind = detectors.slo_change_kind(
        previous_status=previous_status, status=status, previous_target=previous, target=target
    )
    if previous_status != "active":
        assert kind is None
    elif status != "active":
        assert kind == detectors.SLO_RETIRED
    else:
        assert kind == (detectors.SLO_LOOSENED if target < previous else None)


@given(previous=targets, target=targets)
def test_moving_an_active_slo_away_retires_it_whatever_its_target(previous, target):
    kind = detectors.slo_change_kind(
        previous_status="active",
        status="active",
        previous_target=previous,
        target=target,
        moved=True,
    )
    assert kind == detectors.SLO_RETIRED


def test_every_verdict_but_aligned_drifts():
    assert [v for v in Verdict if detectors.verdict_drifts(v)] == [
        Verdict.NO_SLO,
        Verdict.MISMATCH,
        Verdict.THIN,
        Verdict.INCOMPARABLE,
    ]


@given(period=periods, today=days)
def test_the_last_full_period_ends_where_the_current_one_begins(period, today):
    start, end = detectors.last_full_period(period, today)

    assert start < end <= today
    assert start.day == end.day == 1
    assert detectors.period_start(period, end - timedelta(days=1)) == start
    months = (end.year - start.year) * 12 + end.month - start.month
    assert months == detectors.MONTHS_PER_PERIOD[period]
    if period == "quarter":
        assert start.month in (1, 4, 7, 10)


def test_last_full_period_examples():
    assert detectors.last_full_period("month", date(2026, 1, 15)) == (
        date(2025, 12, 1),
        date(2026, 1, 1),
    )
    assert detectors.last_full_period("quarter", date(2026, 4, 1)) == (
        date(2026, 1, 1),
        date(2026, 4, 1),
    )


@given(attainment=st.none() | targets, target=targets)
def test_no_data_never_falls_short(attainment, target):
    short = detectors.falls_short(attainment, target)
    assert short == (attainment is not None and attainment < target)


def test_event_keys_name_the_occurrence():
    assert detectors.slo_event_key(7, 3) == "slo-7-v3"
    assert detectors.waiver_event_key(12) == "waiver-12"
    assert detectors.period_event_key("month", date(2026, 3, 1)) == "month-2026-03-01"


def test_periods_overlap_the_contract_term_only_while_it_runs():
    march = (date(2026, 3, 1), date(2026, 4, 1))
    assert detectors.overlaps_contract(*march, date(2026, 3, 15), None)
    assert not detectors.overlaps_contract(*march, date(2026, 4, 1), None)
    assert not detectors.overlaps_contract(*march, date(2025, 1, 1), date(2026, 2, 28))
    assert detectors.overlaps_contract(*march, date(2025, 1, 1), date(2026, 3, 1))


@given(secret=st.text(min_size=1, max_size=40), body=st.binary(max_size=200))
def test_the_signature_is_hmac_sha256_of_the_raw_body(secret, body):
    header = signing.signature(secret, body)
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    assert header == f"sha256={expected}"
    assert signing.verify(secret, body, header)
    assert not signing.verify(secret, body + b" ", header)
    assert not signing.verify(secret, body, None)
