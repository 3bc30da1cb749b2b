"""The schema lists the errors each operation really answers, and /api/ errors are JSON."""

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def paths(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)["paths"]


def codes(paths, path, method):
    return set(paths[path][method]["responses"])


def test_a_write_on_an_object_documents_every_error_it_can_answer(paths):
    assert codes(paths, "/api/v1/commitments/{id}/", "patch") == {
        "200", "400", "401", "403", "404", "409", "413", "414", "415",
    }  # fmt: skip


def test_a_list_documents_bad_filters_and_missing_logins(paths):
    assert codes(paths, "/api/v1/contracts/", "get") == {"200", "400", "401", "403", "414"}


def test_errors_have_a_detail_body(paths):
    not_found = paths["/api/v1/slos/{id}/"]["get"]["responses"]["404"]

    schema = not_found["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Error"}


def test_the_token_route_documents_the_lockout_and_no_login(paths):
    assert codes(paths, "/api/v1/auth/token/", "post") == {"200", "400", "413", "414", "415", "429"}
    assert codes(paths, "/api/v1/auth/token/", "delete") == {"204", "401", "414"}


def test_a_path_no_route_matches_answers_json_404(api, bob):
    api.force_authenticate(bob)

    response = api.get("/api/v1/commitments/0.5/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_pages_outside_the_api_keep_their_html_404(client, bob):
    client.force_login(bob)

    response = client.get("/contracts/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_packet_export_documents_the_conflict_of_a_packet_not_ready(paths):
    assert "409" in codes(paths, "/api/v1/review-packets/{id}/pdf/", "get")
    assert "409" in codes(paths, "/api/v1/review-packets/{id}/csv/", "get")


def test_listing_a_packets_signoffs_documents_200_and_giving_one_201(paths):
    signoffs = "/api/v1/review-packets/{id}/signoffs/"

    assert {"200"} <= codes(paths, signoffs, "get") and "201" not in codes(paths, signoffs, "get")
    assert "201" in codes(paths, signoffs, "post")


def test_a_packets_signoffs_are_documented_as_the_plain_list_they_are(paths):
    listed = paths["/api/v1/review-packets/{id}/signoffs/"]["get"]["responses"]["200"]

    schema = listed["content"]["application/json"]["schema"]
    assert schema == {"type": "array", "items": {"$ref": "#/components/schemas/ReviewSignOff"}}


@pytest.mark.parametrize(
    ("path", "component"),
    [
        ("/api/v1/tickets/{id}/clocks/", "Clock"),
        ("/api/v1/tickets/{id}/escalations/", "Escalation"),
    ],
)
def test_a_tickets_clocks_and_escalations_are_documented_as_plain_lists(paths, path, component):
    listed = paths[path]["get"]["responses"]["200"]

    schema = listed["content"]["application/json"]["schema"]
    assert schema == {"type": "array", "items": {"$ref": f"#/components/schemas/{component}"}}
