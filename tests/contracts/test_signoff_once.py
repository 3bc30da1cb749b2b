"""A line is decided once: a second decision, at once or later, is refused and writes nothing.

A decision stands until a change to the line or its SLO voids it; only then may engineering
decide again.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from apps.contracts import services
from apps.contracts.choices import ContractStatus
from apps.contracts.models import SignOff
from apps.core.roles import ENGINEERING
from tests.conftest import api_as
from tests.factories import UserFactory


@pytest.fixture
def frank(payments_team):
    """A second engineer of the Payments team, so two may approve the same line."""
    user = UserFactory(username="frank", is_staff=True, roles=[ENGINEERING])
    payments_team.members.add(user)
    return user


@pytest.fixture
def in_review(alice, contract, aligned_line):
    services.contract_submit(contract=contract, user=alice)
    return aligned_line


def _url(line) -> str:
    return f"/api/v1/commitments/{line.pk}/signoffs/"


@pytest.mark.django_db
def test_a_second_decision_on_a_decided_line_is_refused(bob, frank, in_review):
    first = api_as(bob).post(_url(in_review), {"decision": "approve"}, format="json")
    assert first.status_code == 201

    second = api_as(frank).post(
        _url(in_review), {"decision": "reject", "comment": "No."}, format="json"
    )

    assert second.status_code == 409
    assert "already decided: approve by bob" in second.json()["detail"]
    rows = list(SignOff.objects.filter(commitment=in_review))
    assert [(s.decided_by.username, s.decision, s.voided_at) for s in rows] == [
        ("bob", "approve", None)
    ]


@pytest.mark.django_db
def test_a_line_may_be_decided_again_once_a_change_voided_the_decision(
    alice, bob, frank, in_review
):
    services.commitment_signoff(commitment=in_review, user=bob, decision="reject", comment="No.")
    services.commitment_update(commitment=in_review, user=alice, target=Decimal("99.5"))
    services.contract_submit(contract=in_review.contract, user=alice)

    again = services.commitment_signoff(commitment=in_review, user=frank, decision="approve")

    assert again.decided_by == frank
    assert SignOff.objects.filter(commitment=in_review, voided_at__isnull=True).get() == again


@pytest.mark.django_db(transaction=True)
def test_two_engineers_approving_at_once_get_one_201_and_one_409(postgres, bob, frank, in_review):
    barrier = threading.Barrier(2)
    answers = {}

    def approve(user):
        client = api_as(user)
        barrier.wait()
        try:
            answers[user.username] = client.post(
                _url(in_review), {"decision": "approve"}, format="json"
            )
        finally:
            connection.close()  # each thread has its own connection: close it here

    threads = [threading.Thread(target=approve, args=(user,)) for user in (bob, frank)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    codes = sorted(response.status_code for response in answers.values())
    assert codes == [201, 409]
    refused = next(r for r in answers.values() if r.status_code == 409)
    assert "already decided" in refused.json()["detail"]
    assert SignOff.objects.filter(commitment=in_review).count() == 1
    in_review.contract.refresh_from_db()
    assert in_review.contract.status in (ContractStatus.IN_REVIEW, ContractStatus.APPROVED)
