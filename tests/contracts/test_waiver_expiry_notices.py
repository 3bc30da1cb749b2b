"""A waiver about to expire tells its grantor and the contract's owner, once per expiry date,
however often the daily task runs."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone

from apps.contracts import services, tasks
from apps.contracts.models import Waiver
from apps.notifications.models import NotificationDelivery
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mismatched(alice, contract, availability, slo, schedule):
    """99.95 % on a 99.9 % SLO, under review: a line only a waiver lets through."""
    line = CommitmentFactory(
        contract=contract, indicator=availability, target=Decimal("99.95"), credit_schedule=schedule
    )
    services.contract_submit(contract=contract, user=alice)
    return line


def _grant(line, user, days: int) -> Waiver:
    return services.waiver_grant(
        commitment=line,
        user=user,
        justification="Strategic customer; the SLO is tightened next quarter.",
        expires_on=timezone.localdate() + timedelta(days=days),
    )


def _expiry_notices() -> list[tuple[str, str, str]]:
    rows = NotificationDelivery.objects.filter(payload__type="waiver.expiring")
    return sorted((row.target, row.role, row.payload["waiver"]["expires_on"]) for row in rows)


def test_the_beat_schedule_runs_the_expiry_notices_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["contracts-expiring-waivers"]
    assert entry["task"] == "apps.contracts.tasks.notify_expiring_waivers"
    assert entry["schedule"].hour == {6} and entry["schedule"].minute == {0}
    assert settings.WAIVER_EXPIRY_NOTICE_DAYS == 7


def test_an_expiring_waiver_tells_its_grantor_and_the_owner_once_over_two_runs(
    alice, dave, contract, mismatched, django_capture_on_commit_callbacks
):
    waiver = _grant(mismatched, dave, days=3)
    expires = waiver.expires_on.isoformat()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.notify_expiring_waivers() == 2
    assert tasks.notify_expiring_waivers() == 0  # the next day's run, or a second beat

    assert _expiry_notices() == [
        (alice.email, "sales owner", expires),
        (dave.email, "waiver grantor", expires),
    ]
    notice = NotificationDelivery.objects.filter(payload__type="waiver.expiring").first()
    assert notice.subject == f"Waiver expiring on {expires}: ACME-001 r1 for Acme Corp"
    assert f"holds until the end of {expires}" in notice.text
    assert "Strategic customer" in notice.text
    assert f"/contracts/{contract.pk}/" in notice.text
    assert notice.cause == waiver
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        [alice.email, dave.email]
    )


def test_a_waiver_extended_to_a_later_date_is_announced_again_when_that_nears(
    alice, dave, mismatched
):
    waiver = _grant(mismatched, dave, days=2)
    services.waivers_notify_expiring()
    Waiver.objects.filter(pk=waiver.pk).update(expires_on=waiver.expires_on + timedelta(days=3))

    services.waivers_notify_expiring()

    assert [expires for _, role, expires in _expiry_notices() if role == "waiver grantor"] == [
        waiver.expires_on.isoformat(),
        (waiver.expires_on + timedelta(days=3)).isoformat(),
    ]


def test_only_waivers_that_matter_and_expire_soon_are_announced(
    alice, carol, dave, contract, mismatched, settings
):
    settings.WAIVER_EXPIRY_NOTICE_DAYS = 5
    _grant(mismatched, dave, days=6)  # beyond the notice window
    assert services.waivers_notify_expiring() == []

    # Within the window, but a later waiver of the same line outlives it.
    _grant(mismatched, dave, days=1)
    assert services.waivers_notify_expiring() == []

    # On the day it expires it still holds: announced; the day after, it is drift's business.
    today = timezone.localdate()
    assert len(services.waivers_notify_expiring(on=today + timedelta(days=6))) == 2
    NotificationDelivery.objects.all().delete()
    assert services.waivers_notify_expiring(on=today + timedelta(days=7)) == []

    # A terminated contract's waivers change nothing any more.
    services.contract_terminate(contract=contract, user=carol, reason="Customer left.")
    assert services.waivers_notify_expiring(on=today + timedelta(days=2)) == []


def test_expiry_notices_roll_back_with_the_run_that_wrote_them(alice, dave, mismatched):
    _grant(mismatched, dave, days=3)

    with pytest.raises(RuntimeError), transaction.atomic():
        assert len(services.waivers_notify_expiring()) == 2
        raise RuntimeError("the run died before committing")

    assert _expiry_notices() == []
    assert tasks.notify_expiring_waivers() == 2  # the next run finds them still to be sent
