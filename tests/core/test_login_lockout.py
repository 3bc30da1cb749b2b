"""Repeated failed logins lock the username and the address out, on the page and the API alike."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed login attempts"


def login_page(client, username, password, address="127.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def token_route(username, password, address="127.0.0.1"):
    return APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


def test_fifty_wrong_passwords_then_the_right_one_is_refused_on_the_login_page(client, bob):
    answers = [login_page(client, "bob", f"guess-{n}").status_code for n in range(50)]

    assert answers[:4] == [200] * 4  # the form again, with its error
    assert set(answers[4:]) == {429}
    right = login_page(client, "bob", "pw")
    assert right.status_code == 429
    assert LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_fifty_wrong_passwords_then_the_right_one_is_refused_on_the_token_route(bob):
    answers = [token_route("bob", f"guess-{n}").status_code for n in range(50)]

    assert answers[:4] == [400] * 4
    assert set(answers[4:]) == {429}
    right = token_route("bob", "pw")
    assert right.status_code == 429
    assert right["Content-Type"] == "application/json"
    assert right.json()["detail"].startswith(LOCKED)
    assert not Token.objects.filter(user=bob).exists()


def test_failures_on_one_route_lock_the_other(client, bob):
    for n in range(5):
        token_route("bob", f"guess-{n}")

    assert login_page(client, "bob", "pw").status_code == 429


def test_an_address_is_locked_whichever_usernames_it_tries(bob):
    for n in range(5):
        token_route(f"someone-{n}", "guess", address="192.0.2.7")

    assert token_route("bob", "pw", address="192.0.2.7").status_code == 429
    assert token_route("bob", "pw", address="192.0.2.8").status_code == 200


def test_a_username_is_locked_whichever_addresses_try_it(bob):
    for n in range(5):
        token_route("bob", "guess", address=f"192.0.2.{n + 10}")

    assert token_route("bob", "pw", address="192.0.2.99").status_code == 429


def test_the_lockout_ends_after_the_cool_off(settings, bob):
    for n in range(5):
        token_route("bob", f"guess-{n}")
    assert token_route("bob", "pw").status_code == 429

    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(seconds=1)):
        assert token_route("bob", "pw").status_code == 200


def test_a_few_typos_do_not_lock_anyone_out(client, bob):
    for n in range(4):
        login_page(client, "bob", f"typo-{n}")

    response = login_page(client, "bob", "pw")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(bob.pk)


def test_the_test_clients_login_still_works(client, bob):
    assert client.login(username="bob", password="pw")
    assert not client.login(username="bob", password="wrong")
