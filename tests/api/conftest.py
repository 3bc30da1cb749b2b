"""Actors and helpers for the API tests (the shared cast lives in tests/conftest.py)."""

import pytest
from rest_framework.test import APIClient

from apps.core.roles import SALES
from tests.factories import UserFactory


def client_for(user=None) -> APIClient:
    """A JSON client, authenticated as ``user`` when given."""
    client = APIClient()
    client.default_format = "json"
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def sam(db):
    """Another salesperson: owns nothing of alice's."""
    return UserFactory(username="sam", roles=[SALES])
