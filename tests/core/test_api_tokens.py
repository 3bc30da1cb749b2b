"""API tokens expire API_TOKEN_TTL_HOURS after they were issued and can be revoked."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def obtain(username="bob", password="pw"):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def with_token(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_says_when_it_expires(settings, bob):
    response = obtain()

    assert response.status_code == 200
    token = Token.objects.get(user=bob)
    assert response.json()["token"] == token.key
    expires = timezone.datetime.fromisoformat(response.json()["expires_at"])
    assert expires == token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def test_an_expired_token_is_refused_with_401(settings, bob):
    key = obtain().json()["token"]
    assert with_token(key).get("/api/v1/services/").status_code == 200

    later = timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS, seconds=1)
    with time_machine.travel(later):
        response = with_token(key).get("/api/v1/services/")

    assert response.status_code == 401
    assert response.json() == {"detail": "Token has expired."}


def test_logging_in_again_after_expiry_issues_a_new_token(settings, bob):
    old = obtain().json()["token"]

    later = timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS, seconds=1)
    with time_machine.travel(later):
        new = obtain().json()["token"]
        assert new != old
        assert with_token(new).get("/api/v1/services/").status_code == 200
        assert with_token(old).get("/api/v1/services/").status_code == 401


def test_a_valid_token_is_handed_out_again_until_it_expires(bob):
    assert obtain().json()["token"] == obtain().json()["token"]


def test_an_expired_token_sent_along_does_not_block_logging_in(settings, bob):
    key = obtain().json()["token"]
    later = timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS, seconds=1)
    with time_machine.travel(later):
        response = with_token(key).post(
            "/api/v1/auth/token/", {"username": "bob", "password": "pw"}, format="json"
        )

    assert response.status_code == 200


def test_a_revoked_token_is_refused_with_401(bob):
    key = obtain().json()["token"]
    client = with_token(key)

    assert client.delete("/api/v1/auth/token/").status_code == 204

    assert not Token.objects.filter(user=bob).exists()
    response = client.get("/api/v1/services/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_revoking_needs_a_login(bob):
    obtain()

    assert APIClient().delete("/api/v1/auth/token/").status_code == 401
    assert Token.objects.filter(user=bob).exists()


def test_an_administrator_revokes_a_token_in_the_admin(admin_client, bob):
    key = obtain().json()["token"]

    response = admin_client.post(f"/admin/authtoken/tokenproxy/{bob.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert with_token(key).get("/api/v1/services/").status_code == 401


def test_wrong_credentials_get_a_clear_400(bob):
    response = obtain(password="nope")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Unable to log in with the credentials provided."]
    }
