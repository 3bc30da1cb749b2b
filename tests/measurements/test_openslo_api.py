"""OpenSLO over the API and the command line: permissions, line-precise 400s, YAML out."""

from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from apps.catalog.models import Service
from apps.slos.models import SLO
from tests.conftest import api_as

from .test_openslo_import import FILE
from .test_openslo_validation import SLO as CHECKOUT_SLO


def post_yaml(client, text: str, path: str = "/api/v1/openslo/import", **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return client.post(
        f"{path}?{query}" if query else path, data=text, content_type="application/yaml"
    )


class TestImport:
    def test_engineering_imports_and_gets_the_counts(self, bob):
        response = post_yaml(api_as(bob), FILE)

        assert response.status_code == 200, response.content
        assert response.json()["created"] == {"services": 1, "indicators": 2, "slos": 2}
        assert Service.objects.get(slug="checkout").team.name == "Payments"

    def test_the_path_with_a_trailing_slash_works_too(self, bob):
        response = post_yaml(api_as(bob), FILE, path="/api/v1/openslo/import/")

        assert response.status_code == 200

    def test_a_bad_file_is_a_400_listing_lines_and_imports_nothing(self, bob):
        response = post_yaml(api_as(bob), FILE.replace("target: 0.999", "target: 99.9"))

        assert response.status_code == 400
        assert response.json()["yaml"] == [
            "line 39: spec.objectives[0].target: must be in [0, 1) (got 99.9)"
        ]
        assert not Service.objects.exists()

    def test_dry_run_writes_nothing(self, bob):
        response = post_yaml(api_as(bob), FILE, dry_run="1")

        assert response.json()["dry_run"] is True
        assert response.json()["created"]["slos"] == 2
        assert not SLO.objects.exists()

    def test_team_parameter_owns_unlabelled_services(self, bob, search_team):
        search_team.members.add(bob)

        response = post_yaml(api_as(bob), CHECKOUT_SLO, team="search")

        assert response.status_code == 200, response.content
        assert Service.objects.get(slug="checkout").team == search_team

    def test_an_unknown_team_parameter_is_a_400_on_that_field(self, bob):
        response = post_yaml(api_as(bob), CHECKOUT_SLO, team="nobody")

        assert response.status_code == 400
        assert response.json() == {"team": ["No team named 'nobody'."]}

    @pytest.mark.parametrize("actor", ["alice", "carol", "dave", "mallory"])
    def test_only_engineering_may_import(self, actor, request):
        user = request.getfixturevalue(actor)

        response = post_yaml(api_as(user), FILE)

        assert response.status_code == 403
        assert "catalog.add_service" in response.json()["detail"]
        assert not Service.objects.exists()

    def test_anonymous_is_refused(self, api, db):
        assert post_yaml(api, FILE).status_code in (401, 403)

    def test_another_teams_engineer_is_refused_with_the_reason(self, erin, payments_team):
        response = post_yaml(api_as(erin), FILE)

        assert response.status_code == 403
        assert "would belong to Payments" in response.json()["detail"]

    def test_an_empty_body_is_a_400(self, bob):
        response = post_yaml(api_as(bob), "")

        assert response.status_code == 400
        assert response.json() == {"yaml": ["Send the OpenSLO YAML as the request body."]}


class TestExport:
    def test_export_is_yaml_of_the_service(self, bob, slo):
        response = api_as(bob).get("/api/v1/openslo/export?service=payments-api")

        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/yaml")
        kinds = [d["kind"] for d in yaml.safe_load_all(response.content.decode())]
        assert kinds == ["Service", "SLI", "SLO"]

    def test_export_then_import_through_the_api_changes_nothing(self, bob, slo):
        client = api_as(bob)
        text = client.get("/api/v1/openslo/export/?service=payments-api").content.decode()

        response = post_yaml(client, text)

        assert response.json()["unchanged"] == {"services": 1, "indicators": 1, "slos": 1}

    def test_unknown_service_is_404_and_missing_parameter_400(self, bob, db):
        client = api_as(bob)

        assert client.get("/api/v1/openslo/export?service=nope").status_code == 404
        response = client.get("/api/v1/openslo/export")
        assert response.status_code == 400
        assert list(response.json()) == ["service"]

    def test_a_user_without_catalog_read_is_refused(self, mallory, payments):
        response = api_as(mallory).get("/api/v1/openslo/export?service=payments-api")

        assert response.status_code == 403


class TestCommands:
    def test_import_command_reports_what_it_did(self, tmp_path, payments_team):
        path = tmp_path / "checkout.yaml"
        path.write_text(FILE)
        out = StringIO()

        call_command("import_openslo", str(path), stdout=out, stderr=StringIO())

        assert "Imported: services: 1 created" in out.getvalue()
        assert SLO.objects.count() == 2

    def test_import_command_dry_run_and_team_option(self, tmp_path, search_team):
        path = tmp_path / "checkout.yaml"
        path.write_text(CHECKOUT_SLO)
        out = StringIO()

        call_command(
            "import_openslo", str(path), "--team", "Search", "--dry-run", stdout=out, stderr=out
        )

        assert "team Search, from the team option" in out.getvalue()
        assert "Dry run, nothing written" in out.getvalue()
        assert not Service.objects.exists()

    def test_import_command_fails_with_the_lines(self, tmp_path, payments_team):
        path = tmp_path / "bad.yaml"
        path.write_text(FILE.replace("duration: 28d", "duration: 2w"))

        with pytest.raises(CommandError) as raised:
            call_command("import_openslo", str(path), stderr=StringIO())

        assert "nothing imported" in str(raised.value)
        assert "line 34: spec.timeWindow[0].duration: a rolling window of 2w" in str(raised.value)

    def test_export_command_writes_yaml_that_imports_back(self, tmp_path, slo):
        path = tmp_path / "payments.yaml"
        call_command(
            "export_openslo", "--service", "payments-api", "-o", str(path), stderr=StringIO()
        )
        out = StringIO()

        call_command("import_openslo", str(path), stdout=out, stderr=StringIO())

        assert "slos: 0 created, 0 updated, 1 unchanged" in out.getvalue()

    def test_export_command_refuses_an_unknown_service(self, db):
        with pytest.raises(CommandError, match="No service with the slug 'nope'"):
            call_command("export_openslo", "--service", "nope")
