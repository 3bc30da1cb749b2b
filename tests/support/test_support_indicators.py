"""Support indicators: their clock rules validated, and shown in the API, admin and OpenSLO."""

import pytest
import yaml
from django.core.exceptions import ValidationError

from apps.catalog.choices import IndicatorKind
from apps.catalog.models import Indicator
from apps.measurements.openslo import openslo_export
from tests.admin.helpers import client_for
from tests.conftest import api_as
from tests.factories import IndicatorFactory


def test_a_support_indicator_needs_a_priority_and_a_target(payments):
    indicator = IndicatorFactory.build(service=payments, kind=IndicatorKind.SUPPORT_RESPONSE)
    with pytest.raises(ValidationError) as error:
        indicator.full_clean()
    assert set(error.value.message_dict) >= {"priority", "threshold"}


def test_pause_on_defaults_per_kind_and_refuses_unknown_or_stopping_statuses(payments):
    resolution = IndicatorFactory.build(
        service=payments, kind=IndicatorKind.SUPPORT_RESOLUTION, priority="P1", threshold=240
    )
    resolution.full_clean()
    assert resolution.pause_on == ["pending_customer", "on_hold"]
    response = IndicatorFactory(
        service=payments, kind=IndicatorKind.SUPPORT_RESPONSE, priority="P1", threshold=15
    )
    assert response.pause_on == []
    for bad in (["waiting"], ["solved"], "on_hold"):
        resolution.pause_on = bad
        with pytest.raises(ValidationError) as error:
            resolution.full_clean()
        assert "pause_on" in error.value.message_dict


def test_other_kinds_have_no_priority(availability):
    availability.priority = "P1"
    with pytest.raises(ValidationError) as error:
        availability.full_clean()
    assert "priority" in error.value.message_dict


def test_the_api_reads_and_writes_the_clock_rules(bob, payments, office):
    client = api_as(bob)
    body = {
        "service": payments.pk,
        "name": "P2 resolution",
        "kind": "support_resolution",
        "threshold": "480",
        "unit": "min",
        "source": "tickets",
        "priority": "P2",
        "calendar": office.pk,
        "on_reopen": "new_cycle",
        "retroactive_start": False,
    }
    response = client.post("/api/v1/indicators/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["priority"], data["calendar"], data["on_reopen"]) == ("P2", office.pk, "new_cycle")
    assert data["pause_on"] == ["pending_customer", "on_hold"]
    assert data["retroactive_start"] is False
    missing = client.post(
        "/api/v1/indicators/", {**body, "name": "No priority", "priority": None}, format="json"
    )
    assert missing.status_code == 400 and "priority" in missing.json()
    assert not Indicator.objects.filter(name="No priority").exists()


def test_the_admin_edits_the_clock_rules(bob, p1_resolution):
    page = client_for(bob).get(f"/admin/catalog/indicator/{p1_resolution.pk}/change/")
    assert page.status_code == 200
    for field in ("priority", "calendar", "pause_on", "on_reopen", "retroactive_start"):
        assert f'name="{field}"' in page.content.decode()


def test_openslo_export_carries_the_rules_as_labels_and_annotations(payments, matrix, office):
    documents = list(yaml.safe_load_all(openslo_export(service=payments)))
    slis = {d["metadata"]["displayName"]: d["metadata"] for d in documents if d["kind"] == "SLI"}
    p2 = slis["P2 resolution"]
    assert p2["labels"] == {"priority": "P2"}
    assert p2["annotations"]["covenant/calendar"] == "London office"
    assert p2["annotations"]["covenant/pause-on"] == "pending_customer,on_hold"
    assert p2["annotations"]["covenant/on-reopen"] == "continue"
    assert p2["annotations"]["covenant/retroactive-start"] == "true"
    p1 = slis["P1 response"]
    assert p1["annotations"]["covenant/calendar"] == "24x7"
    assert p1["annotations"]["covenant/pause-on"] == "none"
