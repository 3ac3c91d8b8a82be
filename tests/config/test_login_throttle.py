"""Every login route is limited by the real client address and by account (django-axes)."""

import pytest
from django.conf import settings
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"


def token_post(username: str, password: str, **extra):
    return APIClient().post(TOKEN, {"username": username, "password": password}, format="json", **extra)


def assert_throttled_shape(response):
    assert response.status_code == 429, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == "throttled"
    assert body["error"]["message"]
    assert int(response["Retry-After"]) > 0


def test_100_wrong_passwords_with_rotating_forwarded_for_get_429():
    UserFactory(username="ana", password="right-pass-1")
    statuses = [
        token_post("ana", f"guess-{n}", HTTP_X_FORWARDED_FOR=f"203.0.113.{n % 250}").status_code for n in range(100)
    ]

    allowed = settings.LOGIN_FAILURE_LIMIT - 1  # the limit-th failure is the one that locks
    assert statuses[:allowed] == [400] * allowed
    assert set(statuses[allowed:]) == {429}
    assert_throttled_shape(token_post("ana", "guess-again", HTTP_X_FORWARDED_FOR="198.51.100.9"))


def test_a_locked_address_cannot_log_in_even_with_the_right_password():
    UserFactory(username="ana", password="right-pass-1")
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        token_post("ana", f"guess-{n}")

    assert_throttled_shape(token_post("ana", "right-pass-1"))


def test_a_valid_user_elsewhere_is_not_locked_out_by_one_hostile_address():
    UserFactory(username="ana", password="right-pass-1")
    attacker = [token_post("ana", f"guess-{n}", REMOTE_ADDR="198.51.100.66").status_code for n in range(100)]
    assert attacker.count(400) == settings.LOGIN_FAILURE_LIMIT - 1  # then locked: 429

    response = token_post("ana", "right-pass-1", REMOTE_ADDR="192.0.2.10")

    assert response.status_code == 200 and response.json()["token"]


def test_one_address_is_limited_across_usernames():
    for name in ("ana", "bo", "cy"):
        UserFactory(username=name, password="right-pass-1")
    names = ["ana", "bo", "cy"] * settings.LOGIN_FAILURE_LIMIT
    statuses = [token_post(name, "wrong", REMOTE_ADDR="198.51.100.7").status_code for name in names]

    assert statuses.count(400) == settings.LOGIN_FAILURE_LIMIT - 1
    assert token_post("bo", "right-pass-1", REMOTE_ADDR="198.51.100.7").status_code == 429


def test_an_account_is_limited_across_addresses_as_documented():
    """Distributed guessing: each address stays under its limit, the account locks at
    LOGIN_ACCOUNT_FAILURE_LIMIT failures from all of them (docs/security.md)."""
    UserFactory(username="ana", password="right-pass-1")
    statuses = [
        token_post("ana", "wrong", REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(settings.LOGIN_ACCOUNT_FAILURE_LIMIT + 5)
    ]

    assert statuses[: settings.LOGIN_ACCOUNT_FAILURE_LIMIT - 1] == [400] * (settings.LOGIN_ACCOUNT_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429
    assert token_post("ana", "right-pass-1", REMOTE_ADDR="192.0.2.99").status_code == 429
    assert token_post("someone-else", "wrong", REMOTE_ADDR="192.0.2.99").status_code == 400  # only that account


def test_logging_into_an_own_account_does_not_wipe_the_address_count():
    """Else a guesser with one account of their own would reset the address after every few guesses."""
    UserFactory(username="mallory", password="own-pass-1")
    UserFactory(username="ana", password="right-pass-1")
    statuses = []
    for _ in range(3):
        statuses += [token_post("ana", f"guess-{n}").status_code for n in range(settings.LOGIN_FAILURE_LIMIT // 2)]
        token_post("mallory", "own-pass-1")

    assert 429 in statuses
    assert statuses.count(400) == settings.LOGIN_FAILURE_LIMIT - 1


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_html_login_forms_are_limited_with_a_clear_page(path):
    UserFactory(username="ana", password="right-pass-1", is_staff=True)
    client = Client()
    statuses = []
    for n in range(30):
        response = client.post(path, {"username": "ana", "password": f"guess-{n}"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        statuses.append(response.status_code)

    allowed = settings.LOGIN_FAILURE_LIMIT - 1
    assert statuses[:allowed] == [200] * allowed  # the form again, with its error
    assert set(statuses[allowed:]) == {429}
    page = client.post(path, {"username": "ana", "password": "right-pass-1"})
    assert page.status_code == 429
    assert "Too many failed logins" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_routes_share_one_count():
    UserFactory(username="ana", password="right-pass-1")
    half = settings.LOGIN_FAILURE_LIMIT // 2
    for n in range(half):
        token_post("ana", f"api-{n}")
    for n in range(settings.LOGIN_FAILURE_LIMIT - half):
        Client().post("/accounts/login/", {"username": "ana", "password": f"form-{n}"})

    assert token_post("ana", "right-pass-1").status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_trusted_proxy_the_address_it_saw_counts():
    """The proxy appends the peer it saw: rotating the client-written part changes nothing."""
    UserFactory(username="ana", password="right-pass-1")
    statuses = [
        token_post("ana", "wrong", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 198.51.100.20").status_code for n in range(30)
    ]
    assert 429 in statuses and statuses.count(400) == settings.LOGIN_FAILURE_LIMIT - 1
    # Another real client behind the same proxy is its own address.
    assert token_post("ana", "right-pass-1", HTTP_X_FORWARDED_FOR="198.51.100.21").status_code == 200
