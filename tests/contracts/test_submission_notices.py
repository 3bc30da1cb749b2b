"""A submission is news for the engineers of every team whose service it commits on."""

import pytest
from django.core import mail

from apps.contracts import services
from apps.core.errors import TransitionNotAllowed
from apps.notifications.choices import ChannelKind
from apps.notifications.models import NotificationChannel, NotificationDelivery

pytestmark = pytest.mark.django_db


def test_submitting_tells_the_owning_teams_engineers_and_channels_once(
    alice, bob, erin, contract, aligned_line, payments_team, django_capture_on_commit_callbacks
):
    NotificationChannel.objects.create(
        team=payments_team, kind=ChannelKind.EMAIL, target="payments-eng@example.com"
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_submit(contract=contract, user=alice)

    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted([bob.email, "payments-eng@example.com"])
    assert erin.email not in recipients  # another team's engineer
    assert mail.outbox[0].subject.startswith("Awaiting your team's sign-off")
    assert NotificationDelivery.objects.count() == 2


def test_a_submission_that_fails_tells_nobody(
    alice, bob, contract, django_capture_on_commit_callbacks
):
    with (
        pytest.raises(TransitionNotAllowed, match="at least one commitment"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.contract_submit(contract=contract, user=alice)

    assert mail.outbox == []
    assert not NotificationDelivery.objects.exists()
