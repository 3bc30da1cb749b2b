"""/api/v1/notification-channels/: every kind, keys write-only, each team's own."""

import pytest

from apps.notifications.choices import OPSGENIE_API_URL, PAGERDUTY_EVENTS_URL, ChannelKind
from apps.notifications.models import NotificationChannel
from tests.conftest import api_as

URL = "/api/v1/notification-channels/"

pytestmark = pytest.mark.django_db


def test_a_pagerduty_channel_takes_the_us_enqueue_url_and_never_shows_its_key(bob, payments_team):
    client = api_as(bob)

    created = client.post(
        URL,
        {"team": payments_team.pk, "kind": "pagerduty", "name": "on-call", "routing_key": "R0UT"},
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["events_url"] == PAGERDUTY_EVENTS_URL
    assert "routing_key" not in body and "secret" not in body and "api_key" not in body
    assert NotificationChannel.objects.get(pk=body["id"]).routing_key == "R0UT"
    listed = client.get(URL).json()["results"]
    assert [row["kind"] for row in listed] == ["pagerduty"]
    assert "routing_key" not in listed[0]


def test_an_opsgenie_channel_for_the_eu_region_keeps_its_api_url(bob, payments_team):
    created = api_as(bob).post(
        URL,
        {
            "team": payments_team.pk,
            "kind": "opsgenie",
            "api_key": "genie",
            "api_url": "https://api.eu.opsgenie.com",
        },
        format="json",
    )

    assert created.status_code == 201, created.json()
    assert created.json()["api_url"] == "https://api.eu.opsgenie.com"
    channel = NotificationChannel.objects.get()
    assert channel.api_key == "genie"
    assert channel.address == "https://api.eu.opsgenie.com"
    assert OPSGENIE_API_URL == "https://api.opsgenie.com"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "pagerduty"}, "routing_key", "PagerDuty needs the routing key."),
        ({"kind": "opsgenie"}, "api_key", "Opsgenie needs the API key."),
        ({"kind": "slack", "target": "https://hooks.example.com/x", "api_key": "k"}, "api_key", ""),
        (
            {"kind": "pagerduty", "routing_key": "k", "events_url": "http://10.0.0.8/x"},
            "events_url",
            "private",
        ),
    ],
)
def test_a_channel_missing_its_key_or_pointing_inside_is_refused_naming_the_field(
    bob, payments_team, data, field, message
):
    refused = api_as(bob).post(URL, {"team": payments_team.pk, **data}, format="json")

    assert refused.status_code == 400
    assert field in refused.json(), refused.json()
    assert message in str(refused.json()[field])
    assert not NotificationChannel.objects.exists()


def test_an_engineer_may_not_add_a_channel_to_another_team(erin, payments_team):
    refused = api_as(erin).post(
        URL,
        {"team": payments_team.pk, "kind": ChannelKind.EMAIL, "target": "pay@example.com"},
        format="json",
    )

    assert refused.status_code == 403
    assert not NotificationChannel.objects.exists()
