"""A rejection, the last line's approval and a signature each tell the people they concern, once,
in the transaction that made them, and nobody when they fail."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.contracts import services
from apps.contracts.choices import ContractStatus
from apps.core.errors import TransitionNotAllowed
from apps.core.roles import ENGINEERING, LEGAL
from apps.notifications.choices import ChannelKind
from apps.notifications.models import NotificationChannel, NotificationDelivery
from tests.conftest import api_as
from tests.factories import CommitmentFactory, TeamFactory, UserFactory
from tests.web.helpers import client_as

pytestmark = pytest.mark.django_db


def _notices(kind: str) -> list[NotificationDelivery]:
    """The deliveries of one kind of notice ("contract.rejected"), ordered by recipient."""
    return sorted(
        NotificationDelivery.objects.filter(payload__type=kind), key=lambda row: row.target
    )


def _recipients(kind: str) -> list[tuple[str, str]]:
    return [(row.target, row.role) for row in _notices(kind)]


@pytest.fixture
def in_review(alice, contract, aligned_line):
    services.contract_submit(contract=contract, user=alice)
    return aligned_line


@pytest.fixture
def frank(payments_team):
    """A second engineer of the Payments team."""
    user = UserFactory(username="frank", is_staff=True, roles=[ENGINEERING])
    payments_team.members.add(user)
    return user


@pytest.fixture
def second_line(contract, availability, slo, schedule):
    """Another line the Payments team decides: 99.5 % leaves room enough on the 99.9 % SLO."""
    return CommitmentFactory(
        contract=contract, indicator=availability, target=Decimal("99.5"), credit_schedule=schedule
    )


@pytest.fixture
def legal_team(db):
    """Legal's channels live on a team of its own (LEGAL_NOTICE_TEAM)."""
    team = TeamFactory(name="Legal")
    NotificationChannel.objects.create(
        team=team, kind=ChannelKind.EMAIL, target="legal-desk@example.com"
    )
    return team


@pytest.fixture
def approved(alice, bob, carol, contract, in_review):
    services.commitment_signoff(commitment=in_review, user=bob, decision="approve")
    services.contract_legal_approve(contract=contract, user=carol)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.APPROVED
    return contract


def test_the_submit_page_says_who_was_notified_and_that_legal_comes_later(
    alice, bob, carol, contract, aligned_line
):
    response = client_as(alice).post(reverse("contracts:submit", args=[contract.pk]), follow=True)

    [message] = [str(message) for message in response.context["messages"]]
    assert "engineers of the teams owning its services have been notified" in message
    assert "Legal is notified once engineering has approved every line" in message
    notified = {row.target for row in NotificationDelivery.objects.all()}
    assert notified == {bob.email}  # legal is not told yet, as the page says
    assert carol.email not in notified


# --- rejection ---------------------------------------------------------------------------


def test_a_rejection_tells_the_owner_why_with_a_link_to_the_contract_once(
    alice, bob, frank, contract, in_review, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.commitment_signoff(
            commitment=in_review,
            user=bob,
            decision="reject",
            comment="Our SLO cannot carry 99.8 % before the new region is live.",
        )

    [notice] = _notices("contract.rejected")
    assert (notice.kind, notice.target, notice.role) == ("email", alice.email, "sales owner")
    assert notice.subject == "Changes requested: ACME-001 r1 for Acme Corp"
    assert "Our SLO cannot carry 99.8 % before the new region is live." in notice.text
    assert f"/contracts/{contract.pk}/" in notice.text
    assert notice.cause == contract
    [email] = [message for message in mail.outbox if message.subject == notice.subject]
    assert email.to == [alice.email]

    # The same path again is refused (the line is decided) and tells nobody a second time.
    with pytest.raises(TransitionNotAllowed, match="it is changes requested"):
        services.commitment_signoff(
            commitment=in_review, user=frank, decision="reject", comment="No."
        )
    assert len(_notices("contract.rejected")) == 1


def test_each_rejection_of_a_resubmitted_contract_is_news_of_its_own(
    alice, bob, frank, contract, in_review
):
    services.commitment_signoff(commitment=in_review, user=bob, decision="reject", comment="No.")
    services.contract_submit(contract=contract, user=alice)

    services.commitment_signoff(
        commitment=in_review, user=frank, decision="reject", comment="Still no."
    )

    texts = [row.payload["comment"] for row in _notices("contract.rejected")]
    assert sorted(texts) == ["No.", "Still no."]


def test_a_resubmission_whose_remaining_lines_are_approved_tells_legal_at_once(
    alice, bob, carol, contract, aligned_line, second_line
):
    services.contract_submit(contract=contract, user=alice)
    services.commitment_signoff(commitment=aligned_line, user=bob, decision="approve")
    services.commitment_signoff(commitment=second_line, user=bob, decision="reject", comment="No.")
    services.commitment_delete(commitment=second_line, user=alice)
    assert _notices("contract.lines_approved") == []

    services.contract_submit(contract=contract, user=alice)

    assert _recipients("contract.lines_approved") == [(carol.email, "legal")]


def test_a_rejection_without_a_reason_is_refused_and_tells_nobody(bob, in_review):
    with pytest.raises(ValidationError) as error:
        services.commitment_signoff(commitment=in_review, user=bob, decision="reject")

    assert "comment" in error.value.message_dict
    assert _notices("contract.rejected") == []


# --- the last line's approval ------------------------------------------------------------


def test_legal_hears_when_the_last_pending_line_is_approved_and_not_before(
    alice, bob, carol, contract, aligned_line, second_line, legal_team
):
    services.contract_submit(contract=contract, user=alice)

    services.commitment_signoff(commitment=aligned_line, user=bob, decision="approve")
    assert _notices("contract.lines_approved") == []  # a line still awaits engineering

    services.commitment_signoff(commitment=second_line, user=bob, decision="approve")

    assert _recipients("contract.lines_approved") == [
        (carol.email, "legal"),
        ("legal-desk@example.com", "legal"),
    ]
    notice = _notices("contract.lines_approved")[0]
    assert notice.subject == "Ready for legal: ACME-001 r1 for Acme Corp"
    assert "legal's approval is next" in notice.text
    assert f"/contracts/{contract.pk}/" in notice.text


def test_a_named_legal_reviewer_alone_hears_it_and_is_told_to_sign_once_legal_approved(
    alice, bob, carol, contract, aligned_line, second_line
):
    UserFactory(username="lena", roles=[LEGAL])  # legal too, but not this contract's reviewer
    services.contract_update(contract=contract, user=alice, legal_reviewer=carol)
    services.contract_submit(contract=contract, user=alice)
    services.commitment_signoff(commitment=aligned_line, user=bob, decision="approve")
    services.contract_legal_approve(contract=contract, user=carol)

    services.commitment_signoff(commitment=second_line, user=bob, decision="approve")

    assert _recipients("contract.lines_approved") == [(carol.email, "legal")]
    [notice] = _notices("contract.lines_approved")
    assert notice.subject == "Ready for signature: ACME-001 r1 for Acme Corp"
    contract.refresh_from_db()
    assert contract.status == ContractStatus.APPROVED


def test_a_refused_approval_tells_legal_nothing(alice, erin, carol, contract, in_review):
    with pytest.raises(PermissionDenied):
        services.commitment_signoff(commitment=in_review, user=erin, decision="approve")

    assert _notices("contract.lines_approved") == []


# --- signature ---------------------------------------------------------------------------


def test_a_signature_tells_the_owner_the_teams_and_leadership_once(
    alice, bob, carol, dave, erin, payments_team, approved, django_capture_on_commit_callbacks
):
    NotificationChannel.objects.create(
        team=payments_team, kind=ChannelKind.EMAIL, target="payments-eng@example.com"
    )
    leadership = TeamFactory(name="Leadership")
    NotificationChannel.objects.create(
        team=leadership, kind=ChannelKind.EMAIL, target="exec@example.com"
    )
    # A page is for clocks running out, never for a signature.
    NotificationChannel.objects.create(
        team=payments_team, kind=ChannelKind.PAGERDUTY, routing_key="r" * 32
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_sign(contract=approved, user=carol, signatory="Wile E. Coyote")

    assert _recipients("contract.signed") == sorted(
        [
            (alice.email, "sales owner"),
            (bob.email, "engineering: Payments"),
            (dave.email, "leadership"),
            ("exec@example.com", "leadership"),
            ("payments-eng@example.com", "engineering: Payments"),
        ]
    )
    assert erin.email not in [target for target, _ in _recipients("contract.signed")]
    notice = _notices("contract.signed")[0]
    assert notice.subject == "Signed: ACME-001 r1 for Acme Corp"
    assert "signed by Wile E. Coyote" in notice.text
    assert f"/contracts/{approved.pk}/" in notice.text
    signed_mail = {address for m in mail.outbox if m.subject == notice.subject for address in m.to}
    assert signed_mail == {target for target, _ in _recipients("contract.signed")}

    with pytest.raises(TransitionNotAllowed, match="it is signed"):
        services.contract_sign(contract=approved, user=carol)
    assert len(_notices("contract.signed")) == 5


def test_a_signature_the_api_refuses_with_409_tells_nobody(alice, bob, carol, contract, in_review):
    services.commitment_signoff(commitment=in_review, user=bob, decision="approve")  # no legal yet
    before = NotificationDelivery.objects.count()

    response = api_as(carol).post(f"/api/v1/contracts/{contract.pk}/sign/", {}, format="json")

    assert response.status_code == 409
    assert _notices("contract.signed") == []
    assert NotificationDelivery.objects.count() == before


def test_a_future_signature_date_is_refused_and_tells_nobody(carol, approved):
    with pytest.raises(ValidationError) as error:
        services.contract_sign(
            contract=approved,
            user=carol,
            signature_date=timezone.localdate() + timedelta(days=1),
        )

    assert "signature_date" in error.value.message_dict
    assert _notices("contract.signed") == []


# --- in the same transaction as the cause ------------------------------------------------


class _Abandoned(Exception):
    """Raised after the service returned, to roll back its caller's transaction."""


@pytest.mark.parametrize("transition", ["reject", "approve_last", "sign"])
def test_a_notice_rolls_back_with_the_transition_that_caused_it(
    transition, bob, carol, contract, in_review
):
    if transition == "sign":
        services.commitment_signoff(commitment=in_review, user=bob, decision="approve")
        services.contract_legal_approve(contract=contract, user=carol)
    before = NotificationDelivery.objects.count()
    steps = {
        "reject": lambda: services.commitment_signoff(
            commitment=in_review, user=bob, decision="reject", comment="No room."
        ),
        "approve_last": lambda: services.commitment_signoff(
            commitment=in_review, user=bob, decision="approve"
        ),
        "sign": lambda: services.contract_sign(contract=contract, user=carol),
    }

    with pytest.raises(_Abandoned), transaction.atomic():
        steps[transition]()
        assert NotificationDelivery.objects.count() > before  # written with its cause...
        raise _Abandoned

    assert NotificationDelivery.objects.count() == before  # ...and gone with it
    contract.refresh_from_db()
    assert contract.status in (ContractStatus.IN_REVIEW, ContractStatus.APPROVED)
