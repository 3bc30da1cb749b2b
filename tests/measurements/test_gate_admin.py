"""Admins record release gate exceptions in the Django admin, through the service."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from apps.measurements.models import ReleaseGateException
from tests.factories import ServiceFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)
ADD = "/admin/measurements/releasegateexception/add/"


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _form(service, **overrides):
    expires = NOW + timedelta(hours=4)
    return {
        "service": service.pk,
        "kind": "security",
        "reason": "Patch for CVE-2026-1234",
        "expires_at_0": expires.strftime("%Y-%m-%d"),
        "expires_at_1": expires.strftime("%H:%M:%S"),
        **overrides,
    }


def test_an_admin_records_an_exception_with_user_and_reason(client, admin_user, payments):
    client.force_login(admin_user)
    with time_machine.travel(NOW, tick=False):
        response = client.post(ADD, _form(payments))

    assert response.status_code == 302
    exception = ReleaseGateException.objects.get()
    assert (exception.created_by, exception.kind) == (admin_user, "security")
    assert exception.expires_at == NOW + timedelta(hours=4)
    assert exception.history.get().history_user == admin_user


def test_an_exception_in_the_past_is_refused_on_the_form(client, admin_user, payments):
    client.force_login(admin_user)
    with time_machine.travel(NOW, tick=False):
        response = client.post(ADD, _form(payments, expires_at_0="2026-11-14"))

    assert response.status_code == 200
    assert "must expire in the future" in response.content.decode()
    assert not ReleaseGateException.objects.exists()


def test_a_recorded_exception_cannot_be_edited(client, admin_user, payments):
    client.force_login(admin_user)
    with time_machine.travel(NOW, tick=False):
        client.post(ADD, _form(payments))
        exception = ReleaseGateException.objects.get()
        response = client.post(
            f"/admin/measurements/releasegateexception/{exception.pk}/change/",
            _form(payments, reason="rewritten"),
        )
    assert response.status_code == 403
    exception.refresh_from_db()
    assert exception.reason == "Patch for CVE-2026-1234"


def test_an_engineer_may_open_only_the_gates_of_the_team_services(
    client, bob, payments, search_team
):
    ServiceFactory(slug="search-api", name="Search API", team=search_team)
    client.force_login(bob)
    page = client.get(ADD).content.decode()
    assert "Payments API" in page
    assert "Search API" not in page
