"""The governance story in services: draft, submit, sign off, legal, sign, amend."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.contracts import services
from apps.contracts.choices import ContractStatus, Decision
from apps.contracts.models import Commitment, Contract, SignOff
from apps.core.errors import TransitionNotAllowed
from apps.slos.alignment import Verdict

pytestmark = pytest.mark.django_db


def _line(contract, indicator, target, user):
    return services.commitment_create(
        contract=contract, user=user, indicator=indicator, target=Decimal(target)
    )


def test_mismatch_line_is_refused_by_engineering_without_waiver(
    alice, bob, contract, availability, slo
):
    line = _line(contract, availability, "99.99", alice)
    assert line.verdict == Verdict.MISMATCH
    services.contract_submit(contract=contract, user=alice)

    with pytest.raises(TransitionNotAllowed, match="needs an unexpired waiver"):
        services.commitment_signoff(commitment=line, user=bob, decision=Decision.APPROVE)
    assert not SignOff.objects.exists()


def test_sales_cannot_approve_and_other_team_cannot_approve(
    alice, erin, contract, availability, slo
):
    line = _line(contract, availability, "99.8", alice)
    services.contract_submit(contract=contract, user=alice)
    with pytest.raises(PermissionDenied, match="own submission"):
        services.commitment_signoff(commitment=line, user=alice, decision=Decision.APPROVE)
    with pytest.raises(PermissionDenied, match="team that owns the service"):
        services.commitment_signoff(commitment=line, user=erin, decision=Decision.APPROVE)


def test_full_story_to_signature_and_amendment(alice, bob, carol, contract, availability, slo):
    line = _line(contract, availability, "99.8", alice)
    assert line.verdict == Verdict.ALIGNED
    services.contract_submit(contract=contract, user=alice)
    services.commitment_signoff(commitment=line, user=bob, decision=Decision.APPROVE)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_REVIEW  # legal still to approve
    services.contract_legal_approve(contract=contract, user=carol)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.APPROVED
    services.contract_sign(contract=contract, user=carol)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert contract.history.first().history_user == carol

    with pytest.raises(TransitionNotAllowed):
        services.contract_update(contract=contract, user=alice, title="changed")

    draft = services.contract_amend(contract=contract, user=alice)
    assert (draft.number, draft.revision, draft.status) == ("ACME-001", 2, ContractStatus.DRAFT)
    assert draft.commitments.get().target == Decimal("99.8")


def test_rejection_needs_comment_and_requests_changes(alice, bob, contract, availability, slo):
    line = _line(contract, availability, "99.8", alice)
    services.contract_submit(contract=contract, user=alice)
    with pytest.raises(ValidationError) as error:
        services.commitment_signoff(commitment=line, user=bob, decision=Decision.REJECT)
    assert "comment" in error.value.message_dict
    services.commitment_signoff(commitment=line, user=bob, decision="reject", comment="Too tight")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.CHANGES_REQUESTED


def test_editing_an_approved_line_voids_its_signoff(alice, bob, contract, availability, slo):
    approved = _line(contract, availability, "99.8", alice)
    other = _line(contract, availability, "99.5", alice)
    services.contract_submit(contract=contract, user=alice)
    signoff = services.commitment_signoff(commitment=approved, user=bob, decision="approve")
    services.commitment_signoff(commitment=other, user=bob, decision="reject", comment="No")

    services.commitment_update(commitment=approved, user=alice, target=Decimal("99.7"))
    signoff.refresh_from_db()
    assert signoff.voided_at is not None
    assert "target" in signoff.void_reason
    assert Commitment.objects.get(pk=approved.pk).version == 2


def test_changing_the_slo_voids_unsigned_signoffs(alice, bob, contract, availability, slo):
    line = _line(contract, availability, "99.8", alice)
    services.contract_submit(contract=contract, user=alice)
    signoff = services.commitment_signoff(commitment=line, user=bob, decision="approve")
    slo.target = Decimal("99.5")
    slo.save()
    signoff.refresh_from_db()
    assert signoff.voided_at is not None
    line.refresh_from_db()
    assert line.verdict == Verdict.MISMATCH


def test_waiver_lets_a_mismatch_be_approved_and_signed(
    alice, bob, carol, dave, contract, availability, slo
):
    line = _line(contract, availability, "99.95", alice)
    services.contract_submit(contract=contract, user=alice)
    services.waiver_grant(
        commitment=line,
        user=dave,
        justification="Strategic customer; SLO will be tightened in Q1.",
        expires_on=timezone.localdate() + timedelta(days=90),
    )
    signoff = services.commitment_signoff(commitment=line, user=bob, decision="approve")
    assert signoff.waiver is not None and signoff.verdict == Verdict.MISMATCH
    services.contract_legal_approve(contract=contract, user=carol)
    services.contract_sign(contract=contract, user=carol)
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.SIGNED


def test_bad_input_names_the_field_and_writes_nothing(alice, contract, availability):
    with pytest.raises(ValidationError) as error:
        _line(contract, availability, "100.5", alice)
    assert "target" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.contract_update(contract=contract, user=alice, monthly_fee=Decimal("-1"))
    assert "monthly_fee" in error.value.message_dict
    assert not Commitment.objects.exists()
    assert Contract.objects.get(pk=contract.pk).monthly_fee == Decimal("10000.00")


def test_an_slo_change_voids_with_the_acting_user_and_reopens_review(
    alice, bob, carol, contract, availability, slo
):
    line = _line(contract, availability, "99.8", alice)
    services.contract_submit(contract=contract, user=alice)
    signoff = services.commitment_signoff(commitment=line, user=bob, decision="approve")
    services.contract_legal_approve(contract=contract, user=carol)
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.APPROVED

    slo.target = Decimal("99.5")
    slo._history_user = bob
    slo.save()

    signoff.refresh_from_db()
    assert signoff.voided_at is not None
    assert signoff.history.first().history_user == bob
    contract.refresh_from_db()
    assert contract.status == ContractStatus.IN_REVIEW
    assert contract.history.first().history_user == bob
    assert contract.history.first().history_change_reason.startswith("Back to review")


def test_resubmitting_after_a_rejection_puts_the_line_back_in_the_queue(
    alice, bob, contract, availability, slo
):
    from apps.contracts.policies import signoff_queue

    line = _line(contract, availability, "99.8", alice)
    services.contract_submit(contract=contract, user=alice)
    services.commitment_signoff(commitment=line, user=bob, decision="reject", comment="Why?")
    services.contract_update(contract=contract, user=alice, title="Explained in the notes")
    services.contract_submit(contract=contract, user=alice)

    assert list(signoff_queue(bob)) == [line]
    rejection = SignOff.objects.get(commitment=line)
    assert rejection.void_reason == "Resubmitted after the rejection."
    services.commitment_signoff(commitment=line, user=bob, decision="approve")


def test_only_a_member_of_legal_may_be_named_legal_reviewer(alice, carol, contract):
    from tests.factories import UserFactory

    zoe = UserFactory(username="zoe", roles=["Sales"])
    with pytest.raises(ValidationError) as error:
        services.contract_update(contract=contract, user=alice, legal_reviewer=zoe)
    assert error.value.message_dict == {"legal_reviewer": ["Choose a member of Legal."]}
    services.contract_update(contract=contract, user=alice, legal_reviewer=carol)
    assert Contract.objects.get(pk=contract.pk).legal_reviewer == carol
