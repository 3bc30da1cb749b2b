"""An escalation's reassignment written back to Jira or Zendesk, once, through their APIs."""

import base64
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.notifications.choices import HELPDESK_KIND, DeliveryStatus
from apps.notifications.models import NotificationDelivery
from apps.support import services
from apps.support.helpdesks.models import HelpdeskSource
from apps.support.models import Escalation, EscalationLevel, EscalationPolicy
from tests.notifications.receivers import Running

from .conftest import T0
from .helpdesk_receivers import JiraReceiver, ZendeskReceiver

MINUTE = timedelta(minutes=1)


def _served(settings, receiver):
    settings.NOTIFICATION_ALLOWED_HOSTS = ["127.0.0.1"]
    running = Running(receiver)
    yield running.receiver
    running.stop()


@pytest.fixture
def jira(settings):
    yield from _served(settings, JiraReceiver())


@pytest.fixture
def zendesk(settings):
    yield from _served(settings, ZendeskReceiver())


@pytest.fixture
def reassigning_policy(payments):
    policy = EscalationPolicy.objects.create(name="Payments desk", service=payments)
    EscalationLevel.objects.create(
        policy=policy, position=1, metric="response", percent=Decimal("50"), reassign_to="Tier 2"
    )
    return policy


def _source(payments, kind, receiver, **fields):
    source = HelpdeskSource(
        name=f"ACME {kind}",
        slug=f"acme-{kind}",
        kind=kind,
        secret="webhook-secret",
        default_service=payments,
        api_url=receiver.base_url,
        api_email=receiver.email,
        api_token=receiver.token,
        **fields,
    )
    source.full_clean()
    source.save()
    return source


def _ticket(payments, source: str, external_id: str):
    return services.ticket_create(
        source=source,
        external_id=external_id,
        service=payments,
        priority="P1",
        created_at=T0,
        subject="Card payments fail",
        now=T0,
    )


def _evaluate(at, callbacks):
    with callbacks(execute=True):
        services.clocks_evaluate(now=at)


def _write_backs():
    return list(NotificationDelivery.objects.filter(kind=HELPDESK_KIND))


@pytest.mark.django_db
@pytest.mark.parametrize("faults", [[], [500, 429]])
def test_a_reassignment_is_written_back_to_jira_once(
    payments, matrix, reassigning_policy, jira, faults, django_capture_on_commit_callbacks
):
    jira.faults = list(faults)
    _source(
        payments,
        "jira_service_management",
        jira,
        group_field="customfield_10050",
        group_mapping={"Tier 2": "9b1c-tier-2"},
    )
    ticket = _ticket(payments, "acme-jira_service_management", "SUP-7")

    for minute in (8, 8, 9):  # overlapping and later evaluations fire nothing twice
        _evaluate(T0 + minute * MINUTE, django_capture_on_commit_callbacks)

    assert [r.answered for r in jira.requests] == [*faults, 204]
    request = jira.requests[-1]
    assert (request.method, request.path) == ("PUT", "/rest/api/3/issue/SUP-7")
    assert request.json() == {"fields": {"customfield_10050": {"groupId": "9b1c-tier-2"}}}
    expected = base64.b64encode(b"bot@example.com:jira-token").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert jira.groups == {"SUP-7": {"groupId": "9b1c-tier-2"}}
    [delivery] = _write_backs()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.SENT,
        len(faults) + 1,
        204,
    )
    assert "jira-token" not in str(delivery.payload)
    escalation = Escalation.objects.get(clock__ticket=ticket, position=1)
    assert delivery.cause == escalation
    assert escalation.actions["written_back_to"] == "acme-jira_service_management"
    ticket.refresh_from_db()
    assert ticket.assignee == "Tier 2"
    assert ticket.events.filter(type="assigned", value="Tier 2").count() == 1


@pytest.mark.django_db
def test_a_reassignment_survives_zendesk_answering_500_then_429_and_arrives_once(
    payments, matrix, reassigning_policy, zendesk, django_capture_on_commit_callbacks
):
    zendesk.faults = [500, 429]
    _source(payments, "zendesk", zendesk, group_mapping={"Tier 2": 360002})
    _ticket(payments, "acme-zendesk", "4242")

    _evaluate(T0 + 8 * MINUTE, django_capture_on_commit_callbacks)
    _evaluate(T0 + 9 * MINUTE, django_capture_on_commit_callbacks)

    assert [r.answered for r in zendesk.requests] == [500, 429, 200]
    request = zendesk.requests[-1]
    assert (request.method, request.path) == ("PUT", "/api/v2/tickets/4242.json")
    assert request.json() == {"ticket": {"group_id": 360002}}
    expected = base64.b64encode(b"bot@example.com/token:zendesk-token").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert zendesk.tickets == {"4242": 360002}
    [delivery] = _write_backs()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 3)
    assert '"group_id": 360002' in delivery.response_body


@pytest.mark.django_db
def test_a_rejected_write_back_is_recorded_failed_and_not_retried(
    payments, matrix, reassigning_policy, zendesk, django_capture_on_commit_callbacks
):
    _source(payments, "zendesk", zendesk, group_mapping={"Tier 2": 999})  # no such group
    _ticket(payments, "acme-zendesk", "4242")

    _evaluate(T0 + 8 * MINUTE, django_capture_on_commit_callbacks)

    assert [r.answered for r in zendesk.requests] == [422]
    [delivery] = _write_backs()
    assert (delivery.status, delivery.response_status) == (DeliveryStatus.FAILED, 422)
    assert "RecordInvalid" in delivery.last_error


@pytest.mark.django_db
def test_the_token_may_come_from_the_environment(
    payments, matrix, reassigning_policy, zendesk, monkeypatch, django_capture_on_commit_callbacks
):
    source = _source(payments, "zendesk", zendesk, group_mapping={"Tier 2": 360001})
    source.api_token = ""
    source.save()
    monkeypatch.setenv("HELPDESK_API_TOKEN_ACME_ZENDESK", "zendesk-token")
    _ticket(payments, "acme-zendesk", "4242")

    _evaluate(T0 + 8 * MINUTE, django_capture_on_commit_callbacks)

    assert zendesk.tickets == {"4242": 360001}


@pytest.mark.django_db
def test_without_a_source_the_reassignment_is_local_only(
    payments, matrix, reassigning_policy, django_capture_on_commit_callbacks
):
    ticket = _ticket(payments, "api", "T-1")

    _evaluate(T0 + 8 * MINUTE, django_capture_on_commit_callbacks)

    assert _write_backs() == []
    ticket.refresh_from_db()
    assert ticket.assignee == "Tier 2"
    escalation = Escalation.objects.get(clock__ticket=ticket, position=1)
    assert "written_back_to" not in escalation.actions


@pytest.mark.django_db
def test_a_zendesk_group_without_an_id_is_kept_local_and_says_why(
    payments, matrix, reassigning_policy, zendesk, django_capture_on_commit_callbacks
):
    _source(payments, "zendesk", zendesk)
    ticket = _ticket(payments, "acme-zendesk", "4242")

    _evaluate(T0 + 8 * MINUTE, django_capture_on_commit_callbacks)

    assert _write_backs() == [] and zendesk.requests == []
    escalation = Escalation.objects.get(clock__ticket=ticket, position=1)
    assert "group mapping" in escalation.actions["write_back_refused"]
    ticket.refresh_from_db()
    assert ticket.assignee == "Tier 2"


@pytest.mark.django_db
def test_a_source_that_writes_back_needs_a_public_url_its_account_and_jiras_field(
    payments, settings
):
    settings.NOTIFICATION_ALLOWED_HOSTS = []
    source = HelpdeskSource(
        name="ACME Jira",
        slug="acme-jira",
        kind="jira_service_management",
        secret="s",
        default_service=payments,
        api_url="http://127.0.0.1:8080",
        group_mapping={"Tier 2": ""},
    )
    with pytest.raises(ValidationError) as refused:
        source.full_clean()
    assert set(refused.value.message_dict) == {
        "api_url",
        "api_email",
        "group_field",
        "group_mapping",
    }
    assert "loopback" in refused.value.message_dict["api_url"][0]


@pytest.mark.django_db
def test_the_api_takes_the_token_and_never_returns_it(payments, settings):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    settings.NOTIFICATION_ALLOWED_HOSTS = ["helpdesk.example.com"]
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    answer = client.post(
        "/api/v1/helpdesk-sources/",
        {
            "name": "ACME Zendesk",
            "slug": "acme-zendesk",
            "kind": "zendesk",
            "secret": "webhook-secret",
            "default_service": payments.pk,
            "api_url": "https://helpdesk.example.com",
            "api_email": "bot@example.com",
            "api_token": "zendesk-token",
            "group_mapping": {"Tier 2": 360002},
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert "api_token" not in answer.json()
    assert answer.json()["group_mapping"] == {"Tier 2": 360002}
    source = HelpdeskSource.objects.get(slug="acme-zendesk")
    assert source.api_token == "zendesk-token"

    changed = client.patch(
        f"/api/v1/helpdesk-sources/{source.pk}/", {"api_token": ""}, format="json"
    )
    assert changed.status_code == 200
    source.refresh_from_db()
    assert source.api_token == "zendesk-token"


@pytest.mark.django_db
def test_the_admin_form_never_shows_the_token_and_a_blank_keeps_it(payments, zendesk):
    from apps.support.helpdesk_admin import HelpdeskSourceForm

    source = _source(payments, "zendesk", zendesk, group_mapping={"Tier 2": 360002})
    data = {
        "name": source.name,
        "slug": source.slug,
        "kind": source.kind,
        "secret": "",
        "default_service": payments.pk,
        "default_priority": "P3",
        "status_mapping": json.dumps(source.status_mapping),
        "priority_mapping": json.dumps(source.priority_mapping),
        "customer_mapping": "{}",
        "api_url": source.api_url,
        "api_email": source.api_email,
        "api_token": "",
        "group_field": "",
        "group_mapping": '{"Tier 2": 360002}',
        "active": "on",
    }

    assert "zendesk-token" not in HelpdeskSourceForm(instance=source).as_p()
    kept = HelpdeskSourceForm(data, instance=source)
    assert kept.is_valid(), kept.errors
    assert kept.save().api_token == "zendesk-token"
    replaced = HelpdeskSourceForm({**data, "api_token": "new-token"}, instance=source)
    assert replaced.is_valid(), replaced.errors
    assert replaced.save().api_token == "new-token"
