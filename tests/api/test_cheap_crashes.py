"""Inputs that used to crash the API with a 500 are 4xx naming what is wrong (issue: cheap 500s).

Deeply nested JSON on every write route, page bounds past a bigint, odd review-cycle bodies and
an instant whose UTC time Python cannot hold.
"""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.reviews.models import ReviewCycle
from tests.factories import UserFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db

JSON_MAX_DEPTH = 32  # apps.core.parsers.JSON_MAX_DEPTH
DEEP = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"
NESTED_MESSAGE = f"JSON parse error: nested deeper than {JSON_MAX_DEPTH} levels."
# Routes whose body is not JSON (OpenSLO YAML) or that take no body at all.
NOT_JSON = {"/api/v1/openslo/import", "/api/v1/review-packets/{id}/regenerate/"}


def write_routes():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if method in ("post", "put", "patch") and path not in NOT_JSON
    ]


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def ids(contract, aligned_line, schedule, acme, availability, payments, slo, payments_team):
    """An existing row behind each detail route, so that the body is read, not a 404."""
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


@pytest.mark.parametrize(("method", "path"), write_routes())
def test_json_nested_100000_deep_is_a_400_on_every_write_route(root, ids, method, path):
    resource = path.split("/")[3]
    url = path.replace("{id}", str(ids.get(resource, 999_999)))

    response = getattr(client_for(root), method.lower())(
        url, data=DEEP, content_type="application/json"
    )

    assert response.status_code < 500, response.content[:300]
    # A detail route may refuse on the row's state (409) before it reads the body, a vendor's
    # webhook on its signature (401).
    checked_first = "{id}" in path or path.startswith("/api/v1/webhooks/")
    if not checked_first or response.status_code == 400:
        assert response.status_code == 400, response.content[:300]
        assert response.json() == {"detail": NESTED_MESSAGE}


def test_json_just_within_the_depth_bound_is_parsed(root):
    body = '{"name": ' + "[" * (JSON_MAX_DEPTH - 1) + "]" * (JSON_MAX_DEPTH - 1) + "}"

    response = client_for(root).post("/api/v1/teams/", data=body, content_type="application/json")

    assert response.status_code == 400
    assert "name" in response.json()


def test_sli_samples_refuse_deep_json_too(root):
    response = client_for(root).post(
        "/api/v1/sli-samples/", data="[" * 100_000 + "]" * 100_000, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": NESTED_MESSAGE}


class TestPages:
    @pytest.mark.parametrize("path", ["/api/v1/contracts/", "/api/v1/slos/", "/api/v1/teams/"])
    def test_a_limit_past_a_bigint_is_a_400_naming_it(self, root, path):
        response = client_for(root).get(path, {"limit": "99999999999999999999"})

        assert response.status_code == 400
        assert response.json() == {"limit": ["Give a whole number from 1 to 1000."]}

    def test_an_offset_past_a_bigint_is_a_400_naming_it(self, root):
        response = client_for(root).get("/api/v1/teams/", {"offset": "99999999999999999999"})

        assert response.status_code == 400
        assert response.json() == {"offset": ["Give a whole number from 0 to 1000000000000."]}

    @pytest.mark.parametrize("limit", ["0", "-1", "abc", "1001"])
    def test_a_limit_outside_1_to_1000_is_refused(self, root, payments_team, limit):
        response = client_for(root).get("/api/v1/teams/", {"limit": limit})

        assert response.status_code == 400
        assert list(response.json()) == ["limit"]

    def test_the_largest_page_is_served(self, root, payments_team, search_team):
        response = client_for(root).get("/api/v1/teams/", {"limit": "1000", "offset": "1"})

        assert response.status_code == 200
        assert response.json()["count"] == 2
        assert [team["name"] for team in response.json()["results"]] == ["Search"]

    def test_the_schema_states_the_bounds(self):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        parameters = {
            p["name"]: p["schema"] for p in schema["paths"]["/api/v1/teams/"]["get"]["parameters"]
        }

        assert parameters["limit"] == {"type": "integer", "minimum": 1, "maximum": 1000}
        assert parameters["offset"] == {"type": "integer", "minimum": 0, "maximum": 10**12}


class TestReviewCycleBodies:
    def test_a_list_body_is_a_400(self, dave):
        response = client_for(dave).post(
            "/api/v1/review-cycles/", data="[null,null]", content_type="application/json"
        )

        assert response.status_code == 400
        assert response.json() == {
            "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
        }
        assert not ReviewCycle.objects.exists()

    def test_a_year_too_large_for_a_float_is_a_400_naming_the_year(self, dave):
        response = client_for(dave).post(
            "/api/v1/review-cycles/", data='{"year": 1e309}', content_type="application/json"
        )

        assert response.status_code == 400
        assert response.json() == {"year": ["A valid integer is required."]}
        assert not ReviewCycle.objects.exists()

    def test_the_service_refuses_an_infinite_year_too(self, dave):
        from django.core.exceptions import ValidationError

        from apps.reviews.services import review_cycle_open

        with pytest.raises(ValidationError, match="Give the year as a number"):
            review_cycle_open(year=float("inf"), user=dave)


@pytest.mark.parametrize(
    "at", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59Z"]
)
def test_status_at_an_instant_beyond_the_calendar_is_a_400_naming_at(bob, slo, at):
    response = client_for(bob).get(f"/api/v1/slos/{slo.pk}/status/", {"at": at})

    assert response.status_code == 400
    assert response.json() == {"at": ["The timestamp must fall from 1970 to 9000 (UTC)."]}


def test_status_at_an_ordinary_instant_still_answers(bob, slo):
    response = client_for(bob).get(
        f"/api/v1/slos/{slo.pk}/status/", {"at": "2026-03-01T00:00:00+01:00"}
    )

    assert response.status_code == 200
    assert re.match(r"\d+", str(response.json()["slo"]))
