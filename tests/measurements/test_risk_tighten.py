"""Tighten the SLO first: a raised SLA target needs the SLO already at the new level + buffer."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from apps.contracts import services
from apps.contracts.choices import Decision
from apps.contracts.models import SignOff
from apps.core.errors import TransitionNotAllowed
from apps.slos.alignment import Verdict

from .gate_helpers import record_months

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def amendment(alice, bob, carol, contract, availability, slo):
    """ACME-001 signed at 99.5 %, then amended: revision 2 is a draft with the same line."""
    line = services.commitment_create(
        contract=contract, user=alice, indicator=availability, target=Decimal("99.5")
    )
    services.contract_submit(contract=contract, user=alice)
    services.commitment_signoff(commitment=line, user=bob, decision=Decision.APPROVE)
    services.contract_legal_approve(contract=contract, user=carol)
    services.contract_sign(contract=contract, user=carol)
    return services.contract_amend(contract=contract, user=alice)


def _raise_and_submit(amendment, alice, target):
    line = amendment.commitments.get()
    line = services.commitment_update(commitment=line, user=alice, target=Decimal(target))
    services.contract_submit(contract=amendment, user=alice)
    return line


def test_a_raise_the_slo_already_backs_is_approved(amendment, alice, bob):
    line = _raise_and_submit(amendment, alice, "99.8")  # SLO 99.9 backs 99.8 at ratio 2.0

    signoff = services.commitment_signoff(commitment=line, user=bob, decision=Decision.APPROVE)

    assert signoff.verdict == Verdict.ALIGNED


def test_a_raise_beyond_the_slo_is_refused_even_with_a_waiver(
    amendment, alice, bob, dave, availability
):
    # Four months at or above 99.95 %, the latest two in a row.
    record_months(
        availability,
        {
            date(2026, 5, 1): "99.96",
            date(2026, 6, 1): "99.99",
            date(2026, 7, 1): "99.91",
            date(2026, 8, 1): "99.93",
            date(2026, 9, 1): "99.95",
            date(2026, 10, 1): "99.97",
        },
    )
    line = _raise_and_submit(amendment, alice, "99.9")
    services.waiver_grant(
        commitment=line,
        user=dave,
        justification="Strategic account",
        expires_on=date(2026, 12, 31),
    )

    with pytest.raises(TransitionNotAllowed) as refusal:
        services.commitment_signoff(commitment=line, user=bob, decision=Decision.APPROVE)

    assert refusal.value.message == (
        "This line raises the target from 99.5 % to 99.9 %: tighten the SLO first. The policy "
        "needs the SLO at 99.95 % or more; it is at 99.9 %. Its measured attainment met 99.95 % "
        "in 4 of the last 12 months (2 in a row most recently)."
    )
    assert not SignOff.objects.filter(commitment=line).exists()


def test_after_tightening_the_slo_the_raise_is_approved(amendment, alice, bob, slo):
    line = _raise_and_submit(amendment, alice, "99.9")
    slo.target = Decimal("99.95")
    slo.save()

    signoff = services.commitment_signoff(commitment=line, user=bob, decision=Decision.APPROVE)

    assert (signoff.decision, signoff.verdict) == (Decision.APPROVE, Verdict.ALIGNED)


def test_lowering_a_target_is_not_a_raise(amendment, alice, bob):
    line = _raise_and_submit(amendment, alice, "99.0")
    signoff = services.commitment_signoff(commitment=line, user=bob, decision=Decision.APPROVE)
    assert signoff.decision == Decision.APPROVE


def test_rejecting_a_raised_line_stays_possible(amendment, alice, bob):
    line = _raise_and_submit(amendment, alice, "99.95")
    signoff = services.commitment_signoff(
        commitment=line, user=bob, decision=Decision.REJECT, comment="Tighten the SLO first."
    )
    assert signoff.decision == Decision.REJECT


def test_a_first_revision_line_is_judged_on_alignment_alone(
    alice, bob, contract, availability, slo
):
    line = services.commitment_create(
        contract=contract, user=alice, indicator=availability, target=Decimal("99.8")
    )
    services.contract_submit(contract=contract, user=alice)
    assert services.commitment_signoff(commitment=line, user=bob, decision=Decision.APPROVE)
