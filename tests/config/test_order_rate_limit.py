"""The optional per-address order limit: off by default, one setting turns it on for API and page."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import ScreeningFactory

pytestmark = pytest.mark.django_db


def api_order(screening, n: int, **extra):
    body = {"email": f"buyer{n}@example.org", "quantity": 1}
    return APIClient().post(f"/api/screenings/{screening.pk}/orders/", body, format="json", **extra)


def test_off_by_default_a_box_office_behind_one_address_buys_in_a_rush():
    screening = ScreeningFactory(capacity=200)

    assert {api_order(screening, n).status_code for n in range(60)} == {201}


def test_when_configured_orders_past_the_limit_are_throttled(settings):
    settings.ORDER_RATE_LIMIT, settings.ORDER_RATE_WINDOW = 3, 60
    screening = ScreeningFactory(capacity=200)

    statuses = [api_order(screening, n).status_code for n in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    assert api_order(screening, 9).json()["error"]["code"] == "throttled"
    assert api_order(screening, 10, REMOTE_ADDR="198.51.100.8").status_code == 201  # another address

    page = Client().get(f"/screenings/{screening.pk}/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    response = Client().post(
        f"/screenings/{screening.pk}/", {"email": "p@example.org", "quantity": 1, "idempotency_key": key}
    )
    assert response.status_code == 429 and "Too many orders" in response.content.decode()
