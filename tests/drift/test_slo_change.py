"""Loosening or retiring an SLO flags exactly the signed lines it leaves without ALIGNED backing."""

from decimal import Decimal

from django.core import mail

from apps.catalog.choices import IndicatorKind
from apps.contracts.choices import ContractStatus
from apps.drift.choices import DriftKind
from apps.drift.models import DriftEvent
from apps.drift.selectors import annotate_drifted, drifted_commitment_ids, is_drifted
from apps.drift.services import drift_on_slo_change
from apps.notifications import signing
from apps.notifications.choices import DeliveryStatus
from apps.notifications.models import NotificationDelivery
from apps.slos.choices import SloStatus
from tests.factories import (
    CommitmentFactory,
    ContractFactory,
    IndicatorFactory,
    ServiceFactory,
    SLOFactory,
)

from .conftest import WEBHOOK_SECRET


def _save_slo(slo, captured, **changes):
    for name, value in changes.items():
        setattr(slo, name, value)
    with captured(execute=True):
        slo.save()


def test_loosening_flags_only_the_signed_lines_it_leaves_thin(
    signed_line, signed_contract, contract, availability, slo, django_capture_on_commit_callbacks
):
    roomy = CommitmentFactory(contract=signed_contract, indicator=availability, target="99.0")
    draft = CommitmentFactory(contract=contract, indicator=availability, target="99.8")
    elsewhere = IndicatorFactory(service=ServiceFactory(slug="search"), name="Search availability")
    SLOFactory(indicator=elsewhere, target=Decimal("99.9"))
    other_service_line = CommitmentFactory(
        contract=signed_contract, indicator=elsewhere, target="99.8"
    )

    _save_slo(slo, django_capture_on_commit_callbacks, target=Decimal("99.85"))

    event = DriftEvent.objects.get()
    assert event.commitment == signed_line
    assert event.kind == DriftKind.SLO_LOOSENED
    assert event.details["verdict"] == "THIN"
    assert "loosened from 99.9 % to 99.85 %" in event.summary
    assert drifted_commitment_ids() == {signed_line.pk}
    assert not is_drifted(roomy)
    assert not is_drifted(draft)
    assert not is_drifted(other_service_line)


def test_owners_are_notified_once_by_email_slack_and_signed_webhook(
    signed_line, slo, channels, receiver, django_capture_on_commit_callbacks
):
    _save_slo(slo, django_capture_on_commit_callbacks, target=Decimal("99.85"))

    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.com",
        "carol@example.com",
        "payments-oncall@example.com",
    ]
    message = mail.outbox[0]
    assert message.subject.startswith("[Covenant] DRIFTED: ACME-SIGNED r1 (Acme Corp)")
    assert "loosened from 99.9 % to 99.85 %" in message.body
    assert "Availability ≥ 99.8 % per calendar month" in message.body

    [slack] = receiver.at("/slack")
    assert "DRIFTED: ACME-SIGNED" in slack.json()["text"]

    [hook] = receiver.at("/hook")
    assert signing.verify(WEBHOOK_SECRET, hook.body, hook.headers[signing.SIGNATURE_HEADER])
    assert not signing.verify("another secret", hook.body, hook.headers[signing.SIGNATURE_HEADER])
    payload = hook.json()
    assert payload["type"] == "commitment.drifted"
    assert payload["event"]["kind"] == "slo_loosened"
    assert payload["commitment"]["id"] == signed_line.pk
    assert payload["contract"]["number"] == "ACME-SIGNED"
    # The timestamp header repeats the signed body's time, so it cannot be replayed fresh.
    assert hook.headers[signing.TIMESTAMP_HEADER] == payload["sent_at"]

    deliveries = NotificationDelivery.objects.all()
    assert {d.role for d in deliveries} == {"sales owner", "legal", "service team"}
    assert {(d.status, d.attempts) for d in deliveries} == {(DeliveryStatus.SENT, 1)}


def test_resaving_the_loosened_slo_flags_and_notifies_nothing_more(
    signed_line, slo, channels, receiver, django_capture_on_commit_callbacks
):
    _save_slo(slo, django_capture_on_commit_callbacks, target=Decimal("99.85"))
    sent = len(mail.outbox)

    _save_slo(slo, django_capture_on_commit_callbacks, description="Same target, new words.")
    # Even a repeated hook for the same SLO version is the same event.
    with django_capture_on_commit_callbacks(execute=True):
        again = drift_on_slo_change(
            slo=slo, previous_target=Decimal("99.9"), previous_status=SloStatus.ACTIVE
        )

    assert again == []
    assert DriftEvent.objects.count() == 1
    assert len(mail.outbox) == sent
    assert len(receiver.requests) == 2


def test_a_second_loosening_is_a_new_event(signed_line, slo, django_capture_on_commit_callbacks):
    _save_slo(slo, django_capture_on_commit_callbacks, target=Decimal("99.85"))
    _save_slo(slo, django_capture_on_commit_callbacks, target=Decimal("99.5"))

    events = DriftEvent.objects.order_by("id")
    assert [e.details["verdict"] for e in events] == ["THIN", "MISMATCH"]
    assert len(mail.outbox) == 4  # owner and legal, twice


def test_tightening_an_slo_flags_nothing(signed_line, slo, django_capture_on_commit_callbacks):
    _save_slo(slo, django_capture_on_commit_callbacks, target=Decimal("99.95"))

    assert not DriftEvent.objects.exists()
    assert mail.outbox == []


def test_retiring_the_backing_slo_flags_the_line_no_slo(
    signed_line, slo, django_capture_on_commit_callbacks
):
    _save_slo(slo, django_capture_on_commit_callbacks, status=SloStatus.RETIRED)

    event = DriftEvent.objects.get()
    assert event.kind == DriftKind.SLO_RETIRED
    assert event.details["verdict"] == "NO_SLO"
    assert "no longer backs this line" in event.summary
    assert len(mail.outbox) == 2


def test_retiring_leaves_lines_alone_that_another_active_slo_still_backs(
    signed_line, slo, payments, django_capture_on_commit_callbacks
):
    edge = IndicatorFactory(service=payments, name="Edge availability", kind=slo.indicator.kind)
    SLOFactory(indicator=edge, target=Decimal("99.95"))

    _save_slo(slo, django_capture_on_commit_callbacks, status=SloStatus.DRAFT)

    assert not DriftEvent.objects.exists()


def test_moving_an_active_slo_to_another_indicator_retires_it_for_the_old_one(
    signed_line, slo, payments, django_capture_on_commit_callbacks
):
    quality = IndicatorFactory(service=payments, name="Quality", kind=IndicatorKind.QUALITY)

    _save_slo(slo, django_capture_on_commit_callbacks, indicator=quality)

    assert DriftEvent.objects.get().kind == DriftKind.SLO_RETIRED


def test_lines_of_terminated_contracts_are_not_flagged(
    alice, availability, slo, django_capture_on_commit_callbacks
):
    ended = ContractFactory(owner=alice, status=ContractStatus.TERMINATED)
    CommitmentFactory(contract=ended, indicator=availability, target="99.8")

    _save_slo(slo, django_capture_on_commit_callbacks, status=SloStatus.RETIRED)

    assert not DriftEvent.objects.exists()


def test_drifted_annotation_follows_resolution(
    signed_line, slo, bob, django_capture_on_commit_callbacks
):
    from apps.drift.services import drift_event_resolve

    _save_slo(slo, django_capture_on_commit_callbacks, target=Decimal("99.85"))
    lines = annotate_drifted(signed_line.contract.commitments.all())
    assert [line.drifted for line in lines] == [True]

    drift_event_resolve(event=DriftEvent.objects.get(), user=bob, note="SLO restored next sprint.")

    lines = annotate_drifted(signed_line.contract.commitments.all())
    assert [line.drifted for line in lines] == [False]
