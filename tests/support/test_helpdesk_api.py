"""The helpdesk sources over the API: the secret goes in and never comes out."""

import pytest
from rest_framework.test import APIClient

from apps.core.roles import SALES, SUPPORT
from apps.support.helpdesks.models import HelpdeskSource
from tests.factories import ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/helpdesk-sources/"


def as_user(*roles):
    client = APIClient()
    client.force_authenticate(UserFactory(roles=list(roles)))
    return client


@pytest.fixture
def desk():
    return ServiceFactory(slug="support-desk")


def test_the_secret_is_write_only(desk):
    client = as_user(SUPPORT)
    created = client.post(
        URL,
        {
            "name": "Zendesk",
            "slug": "zendesk",
            "kind": "zendesk",
            "secret": "s3cret",
            "default_service": desk.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert "secret" not in created.json()
    assert created.json()["status_mapping"]["pending"] == "pending_customer"
    listed = client.get(URL).json()
    assert "s3cret" not in str(listed)
    source_id = created.json()["id"]
    # A change without a secret keeps it; with one, replaces it.
    client.patch(f"{URL}{source_id}/", {"active": False}, format="json")
    assert HelpdeskSource.objects.get().secret == "s3cret"
    client.patch(f"{URL}{source_id}/", {"secret": "n3w"}, format="json")
    assert HelpdeskSource.objects.get().secret == "n3w"


def test_a_new_source_needs_a_secret_and_known_statuses(desk):
    client = as_user(SUPPORT)
    answer = client.post(
        URL,
        {
            "name": "Jira",
            "slug": "jira",
            "kind": "jira_service_management",
            "default_service": desk.pk,
            "status_mapping": {"Parked": "parked"},
        },
        format="json",
    )
    assert answer.status_code == 400
    assert set(answer.json()) >= {"secret"}
    answer = client.post(
        URL,
        {
            "name": "Jira",
            "slug": "jira",
            "kind": "jira_service_management",
            "secret": "x",
            "default_service": desk.pk,
            "status_mapping": {"Parked": "parked"},
        },
        format="json",
    )
    assert answer.status_code == 400
    assert "'Parked' maps to 'parked'" in answer.json()["status_mapping"][0]
    assert not HelpdeskSource.objects.exists()


def test_only_roles_with_the_permission_see_sources(desk):
    assert as_user(SALES).get(URL).status_code == 403


def test_an_unknown_default_priority_names_the_field(desk):
    answer = as_user(SUPPORT).post(
        URL,
        {
            "name": "Z",
            "slug": "z",
            "kind": "zendesk",
            "secret": "x",
            "default_service": desk.pk,
            "default_priority": "P9",
        },
        format="json",
    )
    assert answer.status_code == 400 and "default_priority" in answer.json()
