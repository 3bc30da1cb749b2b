"""Writes refuse what they would otherwise drop or store blindly: unknown fields (400 naming
each), megabytes of text (400 on the field) and bodies past the upload limit (JSON 413)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.catalog.models import Team

from .conftest import client_for
from .test_cheap_crashes import NOT_JSON, root, write_routes  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

TEXT_MAX_LENGTH = 10_000  # apps.core.validators.TEXT_MAX_LENGTH

# Bodies that are lists parsed row by row, and vendors' webhooks (their payloads carry whatever
# the vendor adds; the signature is checked first).
NOT_AN_OBJECT = {"/api/v1/sli-samples/", "/api/v1/ticket-events/"}


@pytest.fixture
def ids(contract, aligned_line, schedule, acme, availability, payments, slo, payments_team):
    return {
        "commitments": aligned_line.pk,
        "contracts": contract.pk,
        "credit-schedules": schedule.pk,
        "customers": acme.pk,
        "indicators": availability.pk,
        "services": payments.pk,
        "slos": slo.pk,
        "teams": payments_team.pk,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        (method, path)
        for method, path in write_routes()
        if path not in NOT_AN_OBJECT and not path.startswith("/api/v1/webhooks/")
    ],
)
def test_an_unknown_field_is_a_400_naming_it_on_every_write_route(root, ids, method, path):  # noqa: F811
    resource = path.split("/")[3]
    url = path.replace("{id}", str(ids.get(resource, 999_999)))

    response = getattr(client_for(root), method.lower())(url, {"zz_unknown": 1}, format="json")

    assert response.status_code < 500
    # A detail route may refuse on the row's state (409) or its absence (404) first.
    if "{id}" not in path or response.status_code == 400:
        assert response.status_code == 400, response.content[:300]
        assert response.json()["zz_unknown"] == ["Unknown field."]


def test_unknown_fields_are_named_beside_the_other_errors(root):  # noqa: F811
    response = client_for(root).post("/api/v1/teams/", {"nmae": "Ops", "colour": "red"})

    assert response.status_code == 400
    assert response.json() == {
        "name": ["This field is required."],
        "nmae": ["Unknown field."],
        "colour": ["Unknown field."],
    }
    assert not Team.objects.filter(name="Ops").exists()


def test_read_only_fields_sent_back_from_a_read_are_accepted(bob, slo):
    client = client_for(bob)
    shown = client.get(f"/api/v1/slos/{slo.pk}/").json()

    response = client.put(f"/api/v1/slos/{slo.pk}/", {**shown, "description": "Checked."})

    assert response.status_code == 200, response.content
    slo.refresh_from_db()
    assert slo.description == "Checked."


def test_a_megabyte_of_text_is_refused_naming_the_field(bob, slo):
    response = client_for(bob).patch(f"/api/v1/slos/{slo.pk}/", {"description": "x" * 1_000_000})

    assert response.status_code == 400
    assert response.json() == {
        "description": [f"Ensure this field has no more than {TEXT_MAX_LENGTH} characters."]
    }
    slo.refresh_from_db()
    assert slo.description == ""


def test_a_json_body_past_the_upload_limit_is_a_json_413(root, settings):  # noqa: F811
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client_for(root).post(
        "/api/v1/teams/", data='{"name": "' + "x" * 2000 + '"}', content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than 1000 bytes."}


def test_a_form_body_past_the_upload_limit_is_a_json_413(root, settings):  # noqa: F811
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client_for(root).post(
        "/api/v1/teams/",
        {"name": "x" * 2000, "file": SimpleUploadedFile("a.txt", b"a")},
        format="multipart",
    )

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request body is larger than 1000 bytes."}
