"""An expired waiver on a signed line that still needs one is drift, flagged once."""

from datetime import date
from decimal import Decimal

import time_machine
from django.core import mail

from apps.contracts.models import Waiver
from apps.drift.choices import DriftKind
from apps.drift.models import DriftEvent
from apps.drift.services import drift_detect_expired_waivers
from apps.drift.tasks import detect_expired_waivers
from tests.factories import CommitmentFactory


def _waiver(line, dave, expires_on):
    # Created directly: a waiver in the past cannot be granted, only reached by time passing.
    return Waiver.objects.create(
        commitment=line, justification="Strategic customer.", expires_on=expires_on, granted_by=dave
    )


def _mismatch_line(signed_contract, availability):
    """99.95 % on the 99.9 % SLO: signable only under a waiver."""
    return CommitmentFactory(contract=signed_contract, indicator=availability, target="99.95")


def test_a_waiver_expiring_flags_the_line_the_day_after(
    signed_contract, availability, slo, dave, django_capture_on_commit_callbacks
):
    line = _mismatch_line(signed_contract, availability)
    waiver = _waiver(line, dave, date(2026, 3, 31))

    with time_machine.travel("2026-03-31 23:00Z", tick=False):
        assert drift_detect_expired_waivers() == []

    with (
        time_machine.travel("2026-04-01 00:30Z", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        flagged = detect_expired_waivers.delay().get()

    assert flagged == 1
    event = DriftEvent.objects.get()
    assert (event.commitment, event.kind) == (line, DriftKind.WAIVER_EXPIRED)
    assert event.event_key == f"waiver-{waiver.pk}"
    assert event.details == {
        "waiver": waiver.pk,
        "expired_on": "2026-03-31",
        "verdict": "MISMATCH",
        "reasons": event.details["reasons"],
    }
    assert "expired on 2026-03-31" in event.summary
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "carol@example.com"]


def test_the_same_expiry_is_not_flagged_again_on_later_days(
    signed_contract, availability, slo, dave, django_capture_on_commit_callbacks
):
    line = _mismatch_line(signed_contract, availability)
    _waiver(line, dave, date(2026, 3, 31))

    for day in ("2026-04-01", "2026-04-02", "2026-05-01"):
        with (
            time_machine.travel(f"{day} 00:30Z", tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            drift_detect_expired_waivers()

    assert DriftEvent.objects.count() == 1
    assert len(mail.outbox) == 2


def test_a_line_still_covered_by_another_waiver_has_not_drifted(
    signed_contract, availability, slo, dave
):
    line = _mismatch_line(signed_contract, availability)
    _waiver(line, dave, date(2026, 3, 31))
    _waiver(line, dave, date(2026, 12, 31))

    with time_machine.travel("2026-04-01 00:30Z", tick=False):
        assert drift_detect_expired_waivers() == []


def test_a_line_aligned_again_needs_no_waiver(signed_contract, availability, slo, dave):
    line = _mismatch_line(signed_contract, availability)
    _waiver(line, dave, date(2026, 3, 31))
    slo.target = Decimal("99.99")
    slo.save()

    with time_machine.travel("2026-04-01 00:30Z", tick=False):
        assert drift_detect_expired_waivers() == []


def test_waivers_of_unsigned_contracts_are_not_drift(contract, availability, slo, dave):
    line = CommitmentFactory(contract=contract, indicator=availability, target="99.95")
    _waiver(line, dave, date(2026, 3, 31))

    with time_machine.travel("2026-04-01 00:30Z", tick=False):
        assert drift_detect_expired_waivers() == []


def test_only_the_latest_expired_waiver_makes_the_event(signed_contract, availability, slo, dave):
    line = _mismatch_line(signed_contract, availability)
    _waiver(line, dave, date(2025, 12, 31))
    latest = _waiver(line, dave, date(2026, 3, 31))

    with time_machine.travel("2026-04-01 00:30Z", tick=False):
        [event] = drift_detect_expired_waivers()

    assert event.details["waiver"] == latest.pk
