"""PagerDuty and Opsgenie receivers on loopback, allowed as an administrator would allow them."""

import pytest

from .receivers import OpsgenieReceiver, PagerDutyReceiver, Running


@pytest.fixture
def pagerduty(settings):
    settings.NOTIFICATION_ALLOWED_HOSTS = ["127.0.0.1"]
    running = Running(PagerDutyReceiver())
    yield running.receiver
    running.stop()


@pytest.fixture
def opsgenie(settings):
    settings.NOTIFICATION_ALLOWED_HOSTS = ["127.0.0.1"]
    running = Running(OpsgenieReceiver())
    yield running.receiver
    running.stop()
