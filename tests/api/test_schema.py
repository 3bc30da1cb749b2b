"""The OpenAPI schema generates without warnings and documents the contract's paths."""

import pytest
import yaml
from django.core.management import call_command
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


def test_governance_core_routes_generate_without_warnings():
    """The routes of this API alone, so a warning elsewhere does not hide one here."""
    patterns = [
        path("api/v1/", include(module))
        for module in ("apps.catalog.api_urls", "apps.slos.api_urls", "apps.contracts.api_urls")
    ]
    GENERATOR_STATS.reset()

    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)

    assert not GENERATOR_STATS, (GENERATOR_STATS._warn_cache, GENERATOR_STATS._error_cache)
    assert "/api/v1/contracts/{id}/submit/" in schema["paths"]


def test_whole_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))

    paths = yaml.safe_load(target.read_text())["paths"]
    for documented in [
        "/api/v1/teams/",
        "/api/v1/services/{id}/history/",
        "/api/v1/buffer-policy/",
        "/api/v1/alignment/",
        "/api/v1/credit-schedules/{id}/evaluate/",
        "/api/v1/contracts/{id}/legal-approve/",
        "/api/v1/contracts/{id}/amend/",
        "/api/v1/commitments/{id}/signoffs/",
        "/api/v1/commitments/{id}/alignment/",
        "/api/v1/waivers/",
    ]:
        assert documented in paths
    assert set(paths["/api/v1/commitments/{id}/signoffs/"]) == {"get", "post"}


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
